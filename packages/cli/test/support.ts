import { execFile } from 'node:child_process';
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
  const stack = testStack();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [options.bin ?? CLI, ...args],
      {
        encoding: 'utf8',
        timeout: 90_000,
        env: {
          ...process.env,
          KAFKA_BROKERS: stack.brokers.join(','),
          SCHEMA_REGISTRY_URL: stack.registryUrl,
          NO_COLOR: '1',
          ...options.env,
        },
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
