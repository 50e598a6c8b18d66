import { createEnvelope, createSerde, isKbusError, type KbusError } from '@kbus/core';
import {
  type CannedAnswer,
  createTestTopic,
  endOffsets,
  kafkaClients,
  startRegistryProxy,
  testStack,
  uniqueName,
  waitForGroupAtEnd,
} from '@kbus/testkit';
import { describe, expect, it } from 'vitest';
import { createSubscriber, DLT_HEADERS, redrive } from '../src/index.ts';
import { connection, counterTopic, Note, Tick } from './fixtures.ts';

describe('a ce_type header cannot make a record be skipped', () => {
  it('records whose header names an ignored, unknown or garbage type are decoded by what their bytes say', async () => {
    await using fixture = await counterTopic(1, 'lying-header');
    const serde = createSerde({ registry: { url: testStack().registryUrl } });
    const tick = (seq: number) =>
      serde.encode(fixture.topic, Tick, createEnvelope(Tick, { key: 'k', seq }, { source: 'raw' }));
    const note = serde.encode(fixture.topic, Note, createEnvelope(Note, { key: 'k', text: 'n' }, { source: 'raw' }));
    await using raw = kafkaClients();
    const producer = await raw.producer();
    await producer.send({
      topic: fixture.topic.name,
      messages: [
        { key: 'k', value: await tick(0), headers: { ce_type: 'counter.noted' }, partition: 0 },
        { key: 'k', value: await tick(1), headers: { ce_type: 'no.such-type' }, partition: 0 },
        { key: 'k', value: await tick(2), headers: { ce_type: Buffer.from([0xff, 0xfe, 0x00]) }, partition: 0 },
        // The reverse lie: an ignored type that says it is a handled one is still ignored.
        { key: 'k', value: await note, headers: { ce_type: 'counter.ticked' }, partition: 0 },
        { key: 'k', value: await tick(3), headers: { ce_type: 'counter.noted' }, partition: 0 },
      ],
    });
    const handled: number[] = [];
    const groupId = uniqueName('lying-header');
    await using subscriber = createSubscriber({
      ...connection(),
      groupId,
      topics: [fixture.topic],
      handlers: { 'counter.ticked': ({ payload }) => void handled.push(payload.seq) },
      ignore: ['counter.noted'],
    });
    await subscriber.start();
    await waitForGroupAtEnd(groupId, fixture.topic.name);
    expect(handled).toEqual([0, 1, 2, 3]);
    expect(subscriber.stats()).toMatchObject({ handled: 4, skipped: 1, deadLettered: 0 });
  });
});

const FAULTS: ReadonlyArray<[string, CannedAnswer]> = [
  ['an HTML page', { body: '<html><body>maintenance</body></html>', contentType: 'text/html' }],
  ['an empty object', { body: '{}' }],
  ['a 404 from a proxy', { status: 404, body: 'Not Found', contentType: 'text/plain' }],
];

describe('a registry that answers with something that is not a schema', () => {
  it.each(FAULTS)(
    '(%s) is an outage: retried, never dead-lettered, handled once it recovers',
    async (_name, answer) => {
      await using fixture = await counterTopic(1, 'registry-fault');
      await fixture.publishTicks(['a', 'b'], 3);
      await using proxy = await startRegistryProxy();
      proxy.answerNext(3, { ...answer, path: /\/schemas\/ids\// });
      const handled: string[] = [];
      const groupId = uniqueName('registry-fault');
      await using subscriber = createSubscriber({
        ...connection(),
        registry: { url: proxy.url, retries: 0 },
        groupId,
        topics: [fixture.topic],
        retry: { attempts: 2, initialDelayMs: 20, maxDelayMs: 50 },
        handlers: { 'counter.ticked': ({ payload }) => void handled.push(`${payload.key}${payload.seq}`) },
      });
      await subscriber.start();
      await waitForGroupAtEnd(groupId, fixture.topic.name);
      expect(handled.sort()).toEqual(['a0', 'a1', 'a2', 'b0', 'b1', 'b2']);
      expect(subscriber.stats()).toMatchObject({ handled: 6, deadLettered: 0 });
      expect(subscriber.stats().retried).toBeGreaterThanOrEqual(1);
      expect([...(await endOffsets(`${fixture.topic.name}.dlt`)).values()].every((o) => o === '0')).toBe(true);
    },
  );
});

describe('redrive of records it cannot send back fails fast with what is wrong', () => {
  it.each([
    ['no dead-letter headers at all', {}, 'INVALID_CONFIGURATION', DLT_HEADERS.originalTopic],
    [
      'headers without the original topic',
      { [DLT_HEADERS.errorCode]: 'HANDLER_FAILED' },
      'INVALID_CONFIGURATION',
      DLT_HEADERS.originalTopic,
    ],
    [
      'an original topic that is gone',
      { [DLT_HEADERS.originalTopic]: 'kbus-no-such-topic-anywhere', [DLT_HEADERS.originalPartition]: '0' },
      'TOPIC_NOT_FOUND',
      'kbus-no-such-topic-anywhere',
    ],
  ] as const)('%s', async (_name, headers, code, named) => {
    await using dlt = await createTestTopic({ prefix: 'redrive-bad.dlt' });
    await using raw = kafkaClients();
    const producer = await raw.producer();
    await producer.send({
      topic: dlt.name,
      messages: [{ key: 'k', value: Buffer.from('v'), headers: { ...headers } }],
    });
    const started = Date.now();
    const error = await redrive({ brokers: testStack().brokers, deadLetterTopic: dlt.name, timeoutMs: 30_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isKbusError(error, code), String(error)).toBe(true);
    expect((error as KbusError).message).toContain(named);
    // Well before the run's own timeout: not a generic TIMEOUT.
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
