import { KbusError } from '@kbus/core';
import type { Middleware } from '../types.ts';

/**
 * Bounds one attempt: after `timeoutMs` the attempt fails with a retriable TIMEOUT and the
 * handler's `signal` aborts (JavaScript cannot stop a promise; handlers should pass the
 * signal on to their I/O). The session stays alive meanwhile: the running batch heartbeats
 * on its own interval.
 */
export function timeout(timeoutMs: number): Middleware {
  return (next) => async (message) => {
    const controller = new AbortController();
    const onLifecycleAbort = () => controller.abort(message.lifecycle.reason);
    message.lifecycle.addEventListener('abort', onLifecycleAbort, { once: true });
    message.signal = controller.signal;
    let timer: NodeJS.Timeout | undefined;
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
      message.lifecycle.removeEventListener('abort', onLifecycleAbort);
    }
  };
}
