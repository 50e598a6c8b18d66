import { readFileSync } from 'node:fs';
import { channels, createSerde, defineEvent, defineTopic, isKbusError, type PublishContext } from '@kbus/core';
import { deleteTopics, endOffsets, readTopic, testStack, uniqueName } from '@kbus/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createPublisher } from '../src/index.ts';
import { AccountNoted, AccountOpened, accountTopic, connection, PRODUCER_CLIENTS } from './fixtures.ts';

const golden = JSON.parse(readFileSync(new URL('./golden/murmur2-vectors.json', import.meta.url), 'utf8')) as {
  partitionCounts: number[];
  vectors: Array<{ key: string; partitions: number[] }>;
};

const created: string[] = [];
afterAll(async () => {
  await deleteTopics(created, { withSubjects: true });
});

/** A declared topic plus the real topic on the broker, deleted after the file. */
async function freshTopic(partitions: number) {
  const declared = accountTopic(partitions);
  const publisher = createPublisher({ ...connection(), topics: [declared] });
  await publisher.ensureTopics();
  await publisher.close();
  created.push(declared.name);
  return declared;
}

const sum = (offsets: Map<number, string>) => [...offsets.values()].reduce((a, b) => a + Number(b), 0);

describe.each(PRODUCER_CLIENTS)('publisher on producer client %s against the real broker and registry', (client) => {
  // Everything that goes through the producer, once per client library behind @kbus/transport.
  it('puts every record on the partition the Java client picks for its key (12 partitions)', async () => {
    const topic = await freshTopic(12);
    await using publisher = createPublisher({ ...connection(client), topics: [topic] });
    const column = golden.partitionCounts.indexOf(12);
    const vectors = golden.vectors
      .filter((v) => v.key.length > 0 && v.key.length < 300 && v.key.isWellFormed())
      .slice(0, 400);
    const results = await publisher.publishMany(
      vectors.map((v, seq) => ({ event: AccountOpened, payload: { accountId: v.key, email: 'a@example.com', seq } })),
    );
    results.forEach((r, i) => {
      expect(r.partition, `key ${JSON.stringify(vectors[i]?.key)}`).toBe(vectors[i]?.partitions[column]);
    });
    // An empty call answers at once, with nothing.
    expect(await publisher.publishMany([])).toEqual([]);
    const log = await readTopic(topic.name, { minRecords: vectors.length });
    expect(log).toHaveLength(vectors.length);
    // The essential headers by default: id and type (the event starts its own conversation).
    expect(Object.keys(log[0]?.headers ?? {}).sort()).toEqual(['ce_id', 'ce_type']);
    for (const record of log) {
      const vector = golden.vectors.find((v) => v.key === record.key?.toString('utf8'));
      expect(record.partition).toBe(vector?.partitions[column]);
    }
  });

  it('keeps per-aggregate order for interleaved aggregates published concurrently', async () => {
    const topic = await freshTopic(6);
    await using publisher = createPublisher({ ...connection(client), topics: [topic] });
    const aggregates = Array.from({ length: 20 }, (_, i) => `account-${i}`);
    const calls = [];
    for (let seq = 0; seq < 50; seq++) {
      for (const accountId of aggregates)
        calls.push(publisher.publish(AccountNoted, { accountId, seq, note: `n${seq}` }));
    }
    const results = await Promise.all(calls);
    expect(new Set(results.map((r) => `${r.partition}:${r.offset}`)).size).toBe(1000);

    const serde = createSerde({ registry: { url: testStack().registryUrl } });
    const log = await readTopic(topic.name, { minRecords: 1000 });
    const seen = new Map<string, number[]>();
    for (const record of log) {
      const { envelope } = await serde.decode(topic, record.value);
      const list = seen.get(envelope.aggregateId) ?? [];
      list.push((envelope.payload as { seq: number }).seq);
      seen.set(envelope.aggregateId, list);
    }
    for (const accountId of aggregates) expect(seen.get(accountId)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('close() with 1,000 pending publishes loses none', async () => {
    const topic = await freshTopic(3);
    const publisher = createPublisher({ ...connection(client), topics: [topic] });
    await publisher.connect();
    const pending = Array.from({ length: 1000 }, (_, seq) =>
      publisher.publish(AccountOpened, { accountId: `a${seq % 37}`, email: 'x@example.com', seq }),
    );
    expect(publisher.buffered).toBeGreaterThan(0);
    await publisher.close();
    const settled = await Promise.allSettled(pending);
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
    expect(sum(await endOffsets(topic.name))).toBe(1000);
    await expect(
      publisher.publish(AccountOpened, { accountId: 'late', email: 'x@example.com', seq: 0 }),
    ).rejects.toMatchObject({
      code: 'CLIENT_CLOSED',
    });
  });

  it('sets headers, causation and correlation for follow-ups, and reports through diagnostics_channel', async () => {
    const topic = await freshTopic(2);
    await using publisher = createPublisher({
      ...connection(client),
      topics: [topic],
      source: 'auth-service',
      headers: 'cloudevents',
    });
    const seen: PublishContext[] = [];
    const handlers = { asyncEnd: (ctx: PublishContext) => seen.push({ ...ctx }) };
    channels.publish.subscribe(handlers as never);
    try {
      const first = await publisher.publish(AccountOpened, { accountId: 'acc-1', email: 'a@example.com', seq: 1 });
      const followUp = await publisher
        .causedBy({ id: first.eventId, correlationId: 'corr-1' })
        .publish(AccountNoted, { accountId: 'acc-1', seq: 2, note: 'welcome' });
      const serde = createSerde({ registry: { url: testStack().registryUrl } });
      const log = await readTopic(topic.name, { minRecords: 2 });
      const second = log.find((r) => r.offset === followUp.offset && r.partition === followUp.partition);
      const { envelope } = await serde.decode(topic, second?.value);
      expect(envelope).toMatchObject({
        causationId: first.eventId,
        correlationId: 'corr-1',
        source: 'auth-service',
        aggregateId: 'acc-1',
      });
      expect(second?.headers).toMatchObject({
        ce_id: followUp.eventId,
        ce_type: 'account.noted',
        ce_source: 'auth-service',
        ce_subject: 'acc-1',
        ce_causationid: first.eventId,
        ce_specversion: '1.0',
      });
      expect(second?.key?.toString()).toBe('acc-1');
    } finally {
      channels.publish.unsubscribe(handlers as never);
    }
    expect(seen.map((s) => s.eventType)).toEqual(['account.opened', 'account.noted']);
    expect(seen.every((s) => typeof s.durationMs === 'number' && s.offset !== undefined)).toBe(true);
  });
});

describe('publisher against the real broker and registry', () => {
  it('a topic that does not exist gives TOPIC_NOT_FOUND saying how to create it', async () => {
    const topic = accountTopic(3, 'missing');
    await using publisher = createPublisher({ ...connection(), topics: [topic] });
    const error = await publisher
      .publish(AccountOpened, { accountId: 'a', email: 'a@example.com', seq: 1 })
      .catch((e: unknown) => e);
    expect(isKbusError(error, 'TOPIC_NOT_FOUND')).toBe(true);
    expect((error as Error).message).toContain(topic.name);
    expect((error as Error).message).toContain('ensureTopics()');
  });

  it('rejects an invalid payload with its field path and sends nothing', async () => {
    const topic = await freshTopic(3);
    await using publisher = createPublisher({ ...connection(), topics: [topic] });
    await publisher.publish(AccountOpened, { accountId: 'a', email: 'ok@example.com', seq: 1 });
    const before = await endOffsets(topic.name);

    const error = await publisher
      // @ts-expect-error -- seq must be a number: the compiler rejects it too.
      .publish(AccountOpened, { accountId: 'a', email: 'not-an-email', seq: 'one' })
      .catch((e: unknown) => e);
    expect(isKbusError(error, 'VALIDATION_FAILED')).toBe(true);
    expect((error as { issues: Array<{ path: unknown[] }> }).issues.map((i) => i.path)).toEqual([['email'], ['seq']]);

    const many = await publisher
      .publishMany([
        { event: AccountOpened, payload: { accountId: 'b', email: 'b@example.com', seq: 1 } },
        { event: AccountNoted, payload: { accountId: '', seq: 2, note: 'x' } },
      ])
      .catch((e: unknown) => e);
    expect(isKbusError(many, 'VALIDATION_FAILED')).toBe(true);
    expect((many as Error).message).toContain('publishMany item 1');
    expect(await endOffsets(topic.name)).toEqual(before);
  });

  it('rejects an event type the topic does not declare (untyped callers) before any I/O', async () => {
    const topic = accountTopic(1, 'undeclared');
    await using publisher = createPublisher({ ...connection(), topics: [topic] });
    const Stranger = defineEvent({ type: 'stranger.came', version: 1, schema: z.object({ id: z.string() }) });
    // @ts-expect-error -- not declared on the publisher's topics.
    await expect(publisher.publish(Stranger, { id: 'x' })).rejects.toMatchObject({ code: 'UNKNOWN_EVENT_TYPE' });
  });

  it('fails at start-up on an incompatible schema, before publishing anything', async () => {
    const topic = await freshTopic(1);
    await using first = createPublisher({ ...connection(), topics: [topic] });
    await first.publish(AccountOpened, { accountId: 'a', email: 'a@example.com', seq: 1 });
    const Breaking = defineEvent({
      type: 'account.opened',
      version: 2,
      namespace: 'com.acme.test',
      schema: z.object({ accountId: z.string(), email: z.email(), seq: z.int(), tenant: z.string() }),
      aggregateId: (p) => p.accountId,
    });
    const next = defineTopic({ name: topic.name, events: [Breaking] });
    await using second = createPublisher({ ...connection(), topics: [next] });
    const error = await second.connect().catch((e: unknown) => e);
    expect(isKbusError(error, 'SCHEMA_INCOMPATIBLE')).toBe(true);
    expect((error as Error).message).toContain('READER_FIELD_MISSING_DEFAULT_VALUE at payload.tenant');
    await expect(
      second.publish(Breaking, { accountId: 'b', email: 'b@example.com', seq: 2, tenant: 't' }),
    ).rejects.toMatchObject({
      code: 'SCHEMA_INCOMPATIBLE',
    });
    expect(sum(await endOffsets(topic.name))).toBe(1);
  });

  it('applies back-pressure: fail-fast refuses past the buffer, wait mode holds callers', async () => {
    const topic = await freshTopic(1);
    await using failing = createPublisher({
      ...connection(),
      topics: [topic],
      buffer: { maxRecords: 5, whenFull: 'fail' },
    });
    await failing.connect();
    const burst = await Promise.allSettled(
      Array.from({ length: 30 }, (_, seq) =>
        failing.publish(AccountOpened, { accountId: 'a', email: 'a@example.com', seq }),
      ),
    );
    const refused = burst.filter((s) => s.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((s) => isKbusError((s as PromiseRejectedResult).reason, 'BUFFER_FULL'))).toBe(true);

    await using waiting = createPublisher({ ...connection(), topics: [topic], buffer: { maxRecords: 5 } });
    await waiting.connect();
    let peak = 0;
    const calls = Array.from({ length: 200 }, (_, seq) => {
      const call = waiting.publish(AccountOpened, { accountId: 'b', email: 'b@example.com', seq });
      peak = Math.max(peak, waiting.buffered);
      return call;
    });
    await Promise.all(calls);
    expect(peak).toBeLessThanOrEqual(5);
    expect(waiting.buffered).toBe(0);

    // A publishMany larger than the whole buffer waits for slots record by record too.
    const before = sum(await endOffsets(topic.name));
    const many = waiting.publishMany(
      Array.from({ length: 40 }, (_, seq) => ({
        event: AccountOpened,
        payload: { accountId: 'c', email: 'c@example.com', seq },
      })),
    );
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(waiting.buffered).toBeLessThanOrEqual(5);
    const results = await many;
    expect(results.map((r) => Number(r.offset))).toEqual(Array.from({ length: 40 }, (_, i) => before + i));
    expect(waiting.buffered).toBe(0);
  });

  it('ensureTopics creates declared topics and reports one that differs from its declaration', async () => {
    const name = uniqueName('ensure');
    created.push(name);
    const declared = defineTopic({
      name,
      events: [AccountOpened],
      partitions: 4,
      config: { 'retention.ms': '86400000' },
    });
    await using publisher = createPublisher({ ...connection(), topics: [declared] });
    expect(await publisher.ensureTopics()).toEqual([{ topic: name, status: 'created', mismatches: [] }]);
    expect(await publisher.ensureTopics()).toEqual([{ topic: name, status: 'ok', mismatches: [] }]);

    const differing = defineTopic({ name, events: [AccountOpened], partitions: 6, config: { 'retention.ms': '1000' } });
    await using other = createPublisher({ ...connection(), topics: [differing] });
    await expect(other.ensureTopics()).rejects.toMatchObject({ code: 'TOPIC_MISMATCH' });
    expect(await other.ensureTopics({ onMismatch: 'report' })).toEqual([
      {
        topic: name,
        status: 'mismatch',
        mismatches: ['has 4 partitions, declared 6', 'has retention.ms=86400000, declared 1000'],
      },
    ]);
  });
});
