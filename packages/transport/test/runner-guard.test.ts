import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { guardStoppedRunnerFetch } from '../src/kafkajs/runner-guard.ts';

type Fetch = (this: object, nodeId: number) => Promise<unknown[]>;
const Runner = createRequire(import.meta.url)('kafkajs/src/consumer/runner.js') as { prototype: { fetch: Fetch } };

/**
 * The guard's contract on kafkajs's own Runner class: a stopped runner's fetch fails instead
 * of resolving at once (which made an orphaned fetcher loop on microtasks forever); a
 * running runner's fetch is kafkajs's own. The race that orphans fetchers needs a broker
 * change during a consumer restart; the fault suite exercises it against a real cluster.
 */
describe('guardStoppedRunnerFetch', () => {
  it('makes a stopped runner’s fetch fail, once installed, and installs only once', async () => {
    const before = Runner.prototype.fetch;
    // Unguarded kafkajs: a stopped runner answers an empty fetch immediately.
    const stopped = { running: false, logger: { debug() {} }, consumerGroup: {} };
    if (!(Symbol.for('kbus.kafkajs.runner-fetch-guard') in Runner.prototype)) {
      await expect(before.call(stopped, 1)).resolves.toEqual([]);
    }
    guardStoppedRunnerFetch();
    const guarded = Runner.prototype.fetch;
    await expect(guarded.call(stopped, 1)).rejects.toThrow(/runner stopped/);
    guardStoppedRunnerFetch();
    expect(Runner.prototype.fetch).toBe(guarded);
  });

  it('leaves a running runner’s fetch to kafkajs', async () => {
    guardStoppedRunnerFetch();
    const fetched: number[] = [];
    const running = {
      running: true,
      instrumentationEmitter: { emit() {} },
      heartbeat: async () => {},
      consumerGroup: {
        fetch: async (nodeId: number) => {
          fetched.push(nodeId);
          return [];
        },
      },
    };
    await Runner.prototype.fetch.call(running, 7);
    expect(fetched).toEqual([7]);
  });
});
