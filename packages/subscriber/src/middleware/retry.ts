import { channels, isKbusError } from '@kbus/core';
import { MAX_TIMER_MS } from '@kbus/core/options';
import { isAborted, isRetriable, pause } from '../errors.ts';
import type { RetryPolicy } from '../options.ts';
import { reportOutcome } from '../outcome.ts';
import { type InboundMessage, isPromise, type Middleware } from '../types.ts';

export interface ResolvedRetryPolicy {
  readonly attempts: number;
  readonly initialDelayMs: number;
  readonly multiplier: number;
  readonly maxDelayMs: number;
  readonly jitter: number;
}

export function resolveRetryPolicy(policy: RetryPolicy | false | undefined): ResolvedRetryPolicy {
  if (policy === false) return { attempts: 1, initialDelayMs: 0, multiplier: 1, maxDelayMs: 0, jitter: 0 };
  return {
    attempts: policy?.attempts ?? 3,
    initialDelayMs: policy?.initialDelayMs ?? 200,
    multiplier: policy?.multiplier ?? 2,
    maxDelayMs: policy?.maxDelayMs ?? 30_000,
    jitter: policy?.jitter ?? 0.2,
  };
}

export function backoff(policy: ResolvedRetryPolicy, failedAttempt: number, random = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** (failedAttempt - 1));
  // Jitter may carry a delay near the timer limit past it, where Node would fire at once.
  return Math.min(MAX_TIMER_MS, Math.max(0, Math.round(base * (1 + policy.jitter * (2 * random() - 1)))));
}

/**
 * Retries a failed record in place (the partition waits: order is kept) with exponential
 * back-off and jitter, up to `attempts`. Not-retriable failures skip the retries. An
 * unreachable schema registry is an outage, not a bad record: it is retried for as long as
 * it lasts, so valid events are never dead-lettered because of it. `onRetry` hears of each
 * retry (the subscriber's counters).
 */
export function retry(policy: ResolvedRetryPolicy, onRetry?: (error: unknown) => void): Middleware {
  return (next) => {
    // Per record only the rejection handler of an asynchronous attempt is made.
    const run = (message: InboundMessage, attempt: number): void | Promise<void> => {
      message.attempt = attempt;
      const started = channels.record.hasSubscribers ? performance.now() : 0;
      let result: void | Promise<void>;
      try {
        result = next(message);
      } catch (error) {
        return failed(message, attempt, started, error);
      }
      return isPromise(result)
        ? result.then(undefined, (error: unknown) => failed(message, attempt, started, error))
        : undefined;
    };
    const failed = async (message: InboundMessage, attempt: number, started: number, error: unknown) => {
      if (isAborted(error) || message.lifecycle.aborted) throw error;
      const outage = registryOutage(error);
      if (!outage && (!isRetriable(error) || attempt >= policy.attempts)) throw error;
      onRetry?.(error);
      reportOutcome(message, 'retried', started === 0 ? 0 : performance.now() - started, error);
      await pause(backoff(policy, outage ? Math.min(attempt, 8) : attempt), message.lifecycle);
      return run(message, attempt + 1);
    };
    return (message) => run(message, 1);
  };
}

/**
 * A registry that cannot serve this subscriber for now: unavailable, or refusing its
 * credentials (an expired token, a rotated password) or its TLS settings (a rotated
 * certificate). The record is fine; it waits (with back-off) instead of being dead-lettered.
 */
function registryOutage(error: unknown): boolean {
  if (!isKbusError(error)) return false;
  if (error.code === 'REGISTRY_UNAVAILABLE') return true;
  const details = error.details as { status?: unknown; registry?: unknown } | undefined;
  if (error.code === 'REGISTRY_REJECTED') return details?.status === 401 || details?.status === 403;
  // TLS failures of the registry name it in their details (a broker's do not reach this stage).
  return error.code === 'TLS_FAILED' && details?.registry !== undefined;
}
