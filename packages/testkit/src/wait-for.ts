import { setTimeout as delay } from 'node:timers/promises';

export interface WaitForOptions {
  /** Upper bound; the wait fails with a TimeoutError naming `description` after it. Default 30 s. */
  readonly timeoutMs?: number;
  /** Pause between checks of a polled condition. Default 50 ms. */
  readonly intervalMs?: number;
  /** What is awaited, for the error message. */
  readonly description?: string;
}

/** Raised when a bounded wait runs out; carries the last value or error seen. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
  readonly lastValue: unknown;

  constructor(description: string, timeoutMs: number, lastValue: unknown, cause?: unknown) {
    super(
      `timed out after ${timeoutMs} ms waiting for ${description}` +
        (lastValue === undefined ? '' : `; last value: ${safeString(lastValue)}`),
      cause === undefined ? undefined : { cause },
    );
    this.lastValue = lastValue;
  }
}

function safeString(value: unknown): string {
  try {
    const text =
      typeof value === 'string' ? value : JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
    return text.length > 500 ? `${text.slice(0, 500)}…` : text;
  } catch {
    return String(value);
  }
}

/**
 * Polls `check` until it returns something other than `undefined`/`false`, and returns that.
 * A thrown error counts as "not yet" (and is reported if time runs out). Bounded: this is
 * how tests wait for an offset or a record, never with a fixed sleep.
 *
 * @example
 * const committed = await waitFor(async () => (await committedOffset(group)) === 10 || undefined,
 *   { description: 'group offset 10' });
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<Exclude<T, undefined | false>> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastValue: unknown;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>;
      lastValue = value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new WaitTimeoutError(
        options.description ?? 'a condition',
        timeoutMs,
        lastValue ?? (lastError as Error)?.message,
        lastError,
      );
    }
    await delay(intervalMs);
  }
}

/**
 * Resolves with the first `event` emitted by `emitter` whose arguments satisfy `predicate`,
 * or rejects after `timeoutMs`.
 */
export function waitForEvent<A extends unknown[]>(
  emitter: {
    on(event: string, listener: (...args: A) => void): unknown;
    off(event: string, listener: (...args: A) => void): unknown;
  },
  event: string,
  predicate: (...args: A) => boolean = () => true,
  timeoutMs = 30_000,
): Promise<A> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new WaitTimeoutError(`event "${event}"`, timeoutMs, undefined));
    }, timeoutMs);
    const listener = (...args: A) => {
      if (!predicate(...args)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args);
    };
    emitter.on(event, listener);
  });
}
