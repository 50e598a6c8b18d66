import { createRequire } from 'node:module';

interface RunnerPrototype {
  fetch(this: { running: boolean }, nodeId: number): Promise<unknown[]>;
}

const GUARDED = Symbol.for('kbus.kafkajs.runner-fetch-guard');

/**
 * kafkajs 2.2.4 can leave a consumer's fetchers running after its runner stopped: a fetcher
 * rebalance (a broker left or came back, so the node ids changed) racing the runner's stop
 * (the restart after a crash, or a disconnect) starts new fetchers once the old ones were
 * stopped. Each then calls the runner's fetch, which returns no batches at once and without
 * any I/O when the runner is not running, and loops: a chain of microtasks that never yields,
 * so no timer or socket of the process runs again. Seen in this repo's fault suite (broker
 * loss): the process hung at full CPU in `fetcher.js` / `runner.fetch`.
 *
 * With the guard, a fetch on a stopped runner fails instead. The fetcher ends on the error,
 * the fetch manager stops its other fetchers, and the runner's retry (after a timer) sees the
 * runner stopped and winds down as it does after a normal stop. Nothing else changes: a
 * running runner's fetch is the original. Installed once per process, when the first consumer
 * is made; skipped if a later kafkajs no longer has this internal module.
 */
export function guardStoppedRunnerFetch(): void {
  let prototype: RunnerPrototype & { [GUARDED]?: true };
  try {
    const require = createRequire(import.meta.url);
    prototype = (require('kafkajs/src/consumer/runner.js') as { prototype: typeof prototype }).prototype;
  } catch {
    return;
  }
  if (prototype[GUARDED] || typeof prototype.fetch !== 'function') return;
  const original = prototype.fetch;
  prototype.fetch = function fetch(this: { running: boolean }, nodeId: number): Promise<unknown[]> {
    if (!this.running) {
      return Promise.reject(new Error('kafkajs consumer runner stopped: its fetcher ends (kbus guard)'));
    }
    return original.call(this, nodeId);
  };
  prototype[GUARDED] = true;
}
