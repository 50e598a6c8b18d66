import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { testStack } from '@kbus/testkit';

export const CLI = fileURLToPath(new URL('../dist/bin/kbus.js', import.meta.url));
export const SCHEMAS_ALIAS = fileURLToPath(new URL('../dist/bin/kbus-schemas.js', import.meta.url));
export const NODENEXT_TS = fileURLToPath(new URL('./fixtures/nodenext/contracts.ts', import.meta.url));

/** The tests run the built CLI, as users do: fail with the fix when it was not built. */
export function requireBuiltCli(): void {
  if (!existsSync(CLI) || !existsSync(SCHEMAS_ALIAS)) {
    throw new Error(`${CLI} is missing: run \`npm run build\` before the CLI's integration tests`);
  }
}

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout as JSON lines (for --json runs). */
  readonly lines: Array<Record<string, unknown>>;
}

/** Runs the built `kbus` (or another bin) with the test stack's connection; never rejects on a non-zero exit. */
export function kbus(
  args: readonly string[],
  options: { env?: Record<string, string>; bin?: string } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [options.bin ?? CLI, ...args],
      {
        encoding: 'utf8',
        timeout: 90_000,
        env: stackEnv(options.env),
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        if (code === null) {
          reject(new Error(`kbus ${args.join(' ')} did not exit normally: ${error?.message}\n${stderr}`));
          return;
        }
        let lines: Array<Record<string, unknown>> = [];
        if (args.includes('--json')) {
          try {
            lines = stdout
              .split('\n')
              .filter(Boolean)
              .map((l) => JSON.parse(l) as Record<string, unknown>);
          } catch (parseError) {
            reject(
              new Error(`kbus ${args.join(' ')} --json printed a line that is not JSON: ${parseError}\n${stdout}`),
            );
            return;
          }
        }
        resolve({ code, stdout, stderr, lines });
      },
    );
  });
}

/** The connection of the test stack as the CLI's environment. */
function stackEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const stack = testStack();
  return {
    ...process.env,
    KAFKA_BROKERS: stack.brokers.join(','),
    SCHEMA_REGISTRY_URL: stack.registryUrl,
    NO_COLOR: '1',
    ...extra,
  };
}

export interface RunningKbus {
  readonly child: ChildProcess;
  /** Everything written so far. */
  readonly output: { stdout: string; stderr: string };
  /** Resolves when `stream` has shown `text`; rejects after `timeoutMs` or if the process exits first. */
  waitFor(stream: 'stdout' | 'stderr', text: string, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
}

/** Starts the built `kbus` and lets the test watch its output while it runs (for --follow). */
export function startKbus(args: readonly string[]): RunningKbus {
  const child = spawn(process.execPath, [CLI, ...args], { env: stackEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  const listeners = new Set<() => void>();
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]?.setEncoding('utf8');
    child[stream]?.on('data', (chunk: string) => {
      output[stream] += chunk;
      for (const listener of listeners) listener();
    });
  }
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve(code ?? signal ?? 'unknown');
      for (const listener of listeners) listener();
    });
  });
  return {
    child,
    output,
    exited,
    waitFor(stream, text, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (output[stream].includes(text)) {
            cleanup();
            resolve();
          } else if (child.exitCode !== null || child.signalCode !== null) {
            cleanup();
            reject(
              new Error(`kbus ${args.join(' ')} exited before printing ${JSON.stringify(text)}:\n${output.stderr}`),
            );
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `kbus ${args.join(' ')} did not print ${JSON.stringify(text)} within ${timeoutMs} ms:\n${output.stderr}`,
            ),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}
