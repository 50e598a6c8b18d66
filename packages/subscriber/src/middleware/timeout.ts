import { KbusError } from '@kbus/core';
import type { Middleware } from '../types.ts';

/**
 * Bounds one attempt: after `timeoutMs` the attempt fails with a retriable TIMEOUT and the
 * handler's `signal` aborts (JavaScript cannot stop a promise; handlers should pass the
 * signal on to their I/O). Meanwhile it keeps the group session alive.
 */
export function timeout(timeoutMs: number, heartbeatEveryMs: number): Middleware {
  return (next) => async (message) => {
    const controller = new AbortController();
    const onLifecycleAbort = () => controller.abort(message.lifecycle.reason);
    message.lifecycle.addEventListener('abort', onLifecycleAbort, { once: true });
    message.signal = controller.signal;
    let timer: NodeJS.Timeout | undefined;
    const beat = setInterval(() => {
      message.heartbeat().catch(() => {
        // A failed heartbeat means a rebalance; the engine hears of it on its own.
      });
    }, heartbeatEveryMs);
    try {
      await Promise.race([
        next(message),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            const error = new KbusError('TIMEOUT', `the handler did not finish within ${timeoutMs} ms`, {
              retriable: true,
            });
            controller.abort(error);
            reject(error);
          }, timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      clearInterval(beat);
      message.lifecycle.removeEventListener('abort', onLifecycleAbort);
    }
  };
}
