import { KbusError } from '@kbus/core';
import { AbortedError } from '../errors.ts';
import { type InboundMessage, isPromise, type Middleware } from '../types.ts';

/** One attempt (a class: no closures per record); it waits on the watchdog only if it has to. */
class Attempt {
  readonly deadline: number;
  readonly message: InboundMessage;
  private controller: AbortController | undefined;
  private abandoned: { reason: unknown } | undefined;
  private running: Running | undefined;
  /** Links in the list of running attempts (no allocation per add or remove, unlike a Set). */
  prev: Attempt | undefined;
  next: Attempt | undefined;
  private resolve: (() => void) | undefined;
  private reject: ((error: unknown) => void) | undefined;

  constructor(message: InboundMessage, deadline: number) {
    this.message = message;
    this.deadline = deadline;
  }

  /** The handler's signal, made on first use. */
  signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abandoned) this.controller.abort(this.abandoned.reason);
    }
    return this.controller.signal;
  }

  /** Turns a pending attempt into a promise the watchdog can fail. */
  watch(work: Promise<void>, running: Running): Promise<void> {
    this.running = running;
    running.add(this);
    const watched = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    work.then(
      () => this.settle(undefined),
      (error: unknown) => this.settle(error ?? new Error('the handler rejected without a reason')),
    );
    return watched;
  }

  fail(error: Error, reason: unknown): void {
    this.abandoned = { reason };
    this.controller?.abort(reason);
    this.settle(error);
  }

  /** Settles once: with the work's outcome, or with the watchdog's error if that came first. */
  private settle(error: unknown): void {
    const { resolve, reject } = this;
    if (!resolve || !reject) return;
    this.resolve = undefined;
    this.reject = undefined;
    this.running?.remove(this);
    this.running = undefined;
    if (error === undefined) resolve();
    else reject(error);
  }
}

/** The attempts waiting on their handler, as an intrusive doubly-linked list. */
class Running {
  head: Attempt | undefined;
  size = 0;

  add(attempt: Attempt): void {
    attempt.prev = undefined;
    attempt.next = this.head;
    if (this.head) this.head.prev = attempt;
    this.head = attempt;
    this.size++;
  }

  remove(attempt: Attempt): void {
    if (attempt.prev) attempt.prev.next = attempt.next;
    else this.head = attempt.next;
    if (attempt.next) attempt.next.prev = attempt.prev;
    attempt.prev = undefined;
    attempt.next = undefined;
    this.size--;
  }
}

/**
 * Bounds one attempt: after `timeoutMs` the attempt fails with a retriable TIMEOUT and the
 * handler's `signal` aborts (JavaScript cannot stop a promise; handlers should pass the
 * signal on to their I/O). When the partition is released (revocation, stop) the attempt
 * is abandoned the same way, as an AbortedError, and the record stays uncommitted.
 *
 * One watchdog timer serves every running attempt (a timer per record costs more than
 * most handlers); deadlines are kept to within a quarter of the timeout, at most 1 s. The
 * session stays alive meanwhile: the running batch heartbeats on its own interval.
 */
export function timeout(timeoutMs: number): Middleware {
  const running = new Running();
  const every = Math.min(1_000, Math.max(10, Math.floor(timeoutMs / 4)));
  let watchdog: NodeJS.Timeout | undefined;
  const check = () => {
    const now = Date.now();
    for (let attempt = running.head; attempt; ) {
      // fail() unlinks the attempt: take the next one first.
      const following: Attempt | undefined = attempt.next;
      const { lifecycle } = attempt.message;
      if (lifecycle.aborted) {
        attempt.fail(new AbortedError('the partition was released while its handler ran'), lifecycle.reason);
      } else if (now >= attempt.deadline) {
        const error = new KbusError('TIMEOUT', `the handler did not finish within ${timeoutMs} ms`, {
          retriable: true,
        });
        attempt.fail(error, error);
      }
      attempt = following;
    }
    if (running.size === 0 && watchdog) {
      clearInterval(watchdog);
      watchdog = undefined;
    }
  };
  return (next) => (message) => {
    const attempt = new Attempt(message, Date.now() + timeoutMs);
    message.attempt$ = attempt;
    const result = next(message);
    // Finished already (the common case for quick handlers): nothing to bound.
    if (!isPromise(result)) return;
    watchdog ??= setInterval(check, every).unref();
    return attempt.watch(result, running);
  };
}
