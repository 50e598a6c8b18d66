import { defineEvent, defineTopic } from '@kbus/core';
import { createPublisher } from '@kbus/publisher';
import { deleteTopics, testStack, uniqueName } from '@kbus/testkit';
import * as z from 'zod';

export const Tick = defineEvent({
  type: 'counter.ticked',
  version: 1,
  namespace: 'com.acme.test',
  schema: z.object({ key: z.string(), seq: z.int(), fail: z.enum(['never', 'twice', 'always']).default('never') }),
  aggregateId: (p) => p.key,
});

export const Note = defineEvent({
  type: 'counter.noted',
  version: 1,
  namespace: 'com.acme.test',
  schema: z.object({ key: z.string(), text: z.string() }),
  aggregateId: (p) => p.key,
});

export function connection() {
  const stack = testStack();
  return { brokers: stack.brokers, registry: { url: stack.registryUrl } };
}

/** A fresh topic (created on the broker) carrying Tick and Note, removed with its DLT by `dispose`. */
export async function counterTopic(partitions: number, prefix = 'counter') {
  const topic = defineTopic({ name: uniqueName(prefix), events: [Tick, Note], partitions });
  const publisher = createPublisher({ ...connection(), topics: [topic], clientId: 'fixture' });
  await publisher.ensureTopics();
  return {
    topic,
    publisher,
    /** Publishes `count` ticks per key, interleaved across keys, in seq order per key. */
    async publishTicks(keys: readonly string[], count: number, fail: 'never' | 'twice' | 'always' = 'never') {
      const items = [];
      for (let seq = 0; seq < count; seq++)
        for (const key of keys) items.push({ event: Tick, payload: { key, seq, fail } } as const);
      for (let i = 0; i < items.length; i += 2000) await publisher.publishMany(items.slice(i, i + 2000));
    },
    async [Symbol.asyncDispose]() {
      await publisher.close();
      await deleteTopics([topic.name, `${topic.name}.dlt`], { withSubjects: true });
    },
  };
}

export const keysOf = (n: number) => Array.from({ length: n }, (_, i) => `key-${i}`);
