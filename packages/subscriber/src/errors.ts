import { isKbusError, KbusError } from '@kbus/core';

/**
 * Thrown inside the chain when the partition is being revoked or the subscriber stops
 * while a record waits (for a retry, for the dead-letter topic): the record stays
 * unhandled and uncommitted, so its next owner gets it.
 */
export class AbortedError extends Error {
  override readonly name = 'AbortedError';
}

export function isAborted(error: unknown): error is AbortedError {
  return error instanceof AbortedError;
}

/**
 * Marks a handler failure as permanent: no retries, straight to the dead-letter topic.
 *
 * @example
 * if (!account) throw notRetriable(`account ${id} does not exist`);
 */
export function notRetriable(reason: string | Error): KbusError {
  const cause = typeof reason === 'string' ? undefined : reason;
  return new KbusError('HANDLER_FAILED', typeof reason === 'string' ? reason : reason.message, {
    retriable: false,
    ...(cause ? { cause } : {}),
  });
}

/**
 * Whether a failure deserves another attempt. SDK errors carry their own judgement;
 * anything else a handler throws is assumed transient (a database, a network call),
 * unless marked with notRetriable().
 */
export function isRetriable(error: unknown): boolean {
  if (isKbusError(error)) return error.retriable;
  return true;
}

/** Sleeps `ms`, or rejects with AbortedError as soon as `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new AbortedError('stopped while waiting'));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError('stopped while waiting'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
