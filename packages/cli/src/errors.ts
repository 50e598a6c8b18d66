/**
 * Exit codes of every `kbus` command: 0 when it did what was asked, 1 when a check failed or
 * the operation failed or was refused (the message says which), 2 for wrong usage (unknown
 * command or flag, missing argument, bad value, missing connection setting).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Wrong usage: the message says what to pass instead; the command exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
