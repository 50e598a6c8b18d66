import { defineEvent, defineTopic, isKbusError } from '@kbus/core';
import { type CannedAnswer, deleteTopics, readTopic, startRegistryProxy, testStack, uniqueName } from '@kbus/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createPublisher } from '../src/index.ts';

const Logged = defineEvent({
  type: 'faults.logged',
  version: 1,
  namespace: 'com.acme.faults',
  schema: z.object({ id: z.string() }),
  aggregateId: (p) => p.id,
});

const created: string[] = [];
afterAll(async () => {
  await deleteTopics(created, { withSubjects: true });
});

const ANSWERS: ReadonlyArray<[string, CannedAnswer]> = [
  ['an HTML page', { body: '<html>proxy login</html>', contentType: 'text/html' }],
  ['an empty object', { body: '{}' }],
  ['an id of 0', { body: '{"id":0}' }],
  ['a 404 without the API error code', { status: 404, body: 'nope', contentType: 'text/plain' }],
];

describe('a publisher against a registry that answers with something that is not a schema', () => {
  it.each(ANSWERS.flatMap(([name, answer]) => [[name, answer, false] as const, [name, answer, 'BACKWARD'] as const]))(
    '(%s, compatibility %s) fails retriable, never writes schema id 0, and publishes once it recovers',
    async (_name, answer, compatibility) => {
      const topic = defineTopic({ name: uniqueName('publisher-faults'), events: [Logged], partitions: 1 });
      created.push(topic.name);
      await using proxy = await startRegistryProxy();
      await using publisher = createPublisher({
        brokers: testStack().brokers,
        registry: { url: proxy.url, retries: 0 },
        topics: [topic],
        compatibility,
      });
      await publisher.ensureTopics();
      proxy.answerNext(1, { ...answer, path: /\/subjects\// });
      const error = await publisher.publish(Logged, { id: '1' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isKbusError(error, 'REGISTRY_UNAVAILABLE'), String(error)).toBe(true);
      const result = await publisher.publish(Logged, { id: '2' });
      expect(result.schemaId).toBeGreaterThan(0);
      const records = await readTopic(topic.name, { minRecords: 1 });
      expect(records.map((r) => r.value?.readInt32BE(1))).toEqual([result.schemaId]);
    },
  );
});
