import type { KbusError } from './errors.ts';

/**
 * `work`, or a rejection with `onTimeout()` once `ms` passed, whichever comes first: how an
 * option that promises a bound (deliveryTimeoutMs, startTimeoutMs) is kept when the work
 * itself (a Kafka client connecting to a broker that never answers) has no bound of its
 * own. The work is not cancelled; the caller releases what it holds.
 */
export function withinDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => KbusError): Promise<T> {
  if (!Number.isFinite(ms)) return work;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), Math.max(0, ms));
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
