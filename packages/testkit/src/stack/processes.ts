import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

export interface StartedProcess {
  readonly name: string;
  readonly pid: number;
  readonly log: string;
  /** How it was started, so that a fault test can start it again after killing it. */
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
}

/**
 * Starts a long-running process in its own session, writing to `log`, and lets this
 * process exit without it. `marker` goes on its command line so that a later run can tell
 * our process from an unrelated one that got the same pid.
 */
export function startDetached(
  name: string,
  command: string,
  args: readonly string[],
  options: { cwd: string; log: string },
): StartedProcess {
  const out = openSync(options.log, 'a');
  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      detached: true,
      stdio: ['ignore', out, out],
    });
    if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
    child.unref();
    return { name, pid: child.pid, log: options.log, command, args, cwd: options.cwd };
  } finally {
    closeSync(out);
  }
}

function commandLine(pid: number): string | undefined {
  const proc = `/proc/${pid}/cmdline`;
  if (existsSync('/proc/self')) {
    try {
      return readFileSync(proc, 'utf8').replaceAll('\0', ' ');
    } catch {
      return undefined;
    }
  }
  try {
    return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
  } catch {
    return undefined;
  }
}

/** True while `pid` runs and is still the process we started (its command line carries `marker`). */
export function isOurs(pid: number, marker: string): boolean {
  const line = commandLine(pid);
  if (line === undefined || !line.includes(marker)) return false;
  // A zombie keeps its cmdline until reaped; it is not running.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z';
  } catch {
    return true;
  }
}

/** SIGTERM, wait up to `timeoutMs`, then SIGKILL. Resolves to how it ended. */
export async function stopProcess(
  pid: number,
  marker: string,
  timeoutMs: number,
): Promise<'not-running' | 'terminated' | 'killed'> {
  if (!isOurs(pid, marker)) return 'not-running';
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isOurs(pid, marker)) return 'terminated';
    await delay(100);
  }
  signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (isOurs(pid, marker) && Date.now() < killDeadline) await delay(50);
  return 'killed';
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

export function logTail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}
