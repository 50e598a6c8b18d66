import { main } from '../main.ts';

/**
 * kafkajs 2.2.4 schedules a timer with a negative delay, which Node ≥ 23 reports as a
 * TimeoutNegativeWarning on every run (the timer still fires after 1 ms). A terminal tool
 * drops that one warning; every other warning is printed as usual.
 */
function dropKafkajsTimerWarning(): void {
  const defaults = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'TimeoutNegativeWarning') return;
    for (const listener of defaults) listener(warning);
  });
}

/** Runs the CLI as a process: exit code from `main`, SIGINT/SIGTERM stop a running command cleanly. */
export function runProcess(argv: readonly string[]): void {
  dropKafkajsTimerWarning();
  // `kbus … | head`: a closed pipe ends the output, not with a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  const controller = new AbortController();
  const stop = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  main(argv, { stdout: process.stdout, stderr: process.stderr }, controller.signal).then(
    (code) => {
      process.exitCode = code;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
    (error: unknown) => {
      process.stderr.write(`kbus: ${String((error as Error)?.stack ?? error)}\n`);
      process.exitCode = 1;
    },
  );
}
