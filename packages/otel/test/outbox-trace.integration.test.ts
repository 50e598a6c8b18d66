import { channels, defineEvent, defineTopic, type OutboxBacklogMessage } from '@kbus/core';
import { createOutbox, createRelay, migrate } from '@kbus/outbox';
import { createPublisher } from '@kbus/publisher';
import { createSubscriber } from '@kbus/subscriber';
import { deleteTopics, readTopic, testStack, uniqueName, waitFor, waitForGroupAtEnd } from '@kbus/testkit';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { otelSdk, parentOf, spanNamed } from './otel-sdk.ts';

const DATABASE_URL = process.env.KBUS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const AccountOpened = defineEvent({
  type: 'account.opened',
  version: 1,
  namespace: 'com.acme.otel',
  schema: z.object({ accountId: z.string() }),
  aggregateId: (p) => p.accountId,
});

async function freshSchema(pool: pg.Pool) {
  const schema = uniqueName('kbus_otel').replaceAll('-', '_').toLowerCase();
  await migrate(pool, { schema });
  return schema;
}

describe('OpenTelemetry through the transactional outbox', () => {
  it("continues the trace of add()'s caller in the relay's send span and in the consumer's process span", async () => {
    await using otel = otelSdk();
    const stack = testStack();
    const topic = defineTopic({ name: uniqueName('otel-outbox'), events: [AccountOpened], partitions: 3 });
    const groupId = uniqueName('otel-outbox-consumer');
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    const schema = await freshSchema(pool);
    try {
      await using setup = createPublisher({
        brokers: stack.brokers,
        registry: { url: stack.registryUrl },
        topics: [topic],
      });
      await setup.ensureTopics();
      const outbox = createOutbox({
        topics: [topic],
        source: 'accounts',
        registry: { url: stack.registryUrl },
        schema,
      });
      await outbox.prepare();
      const accountId = 'acc-7';
      // The request that changed the aggregate: its transaction writes the state and the event.
      const { root, eventId } = await otel.tracer.startActiveSpan('POST /accounts', async (span) => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const added = await outbox.add(client, AccountOpened, { accountId });
          await client.query('COMMIT');
          return { root: span, eventId: added.eventId };
        } finally {
          client.release();
          span.end();
        }
      });
      const { rows } = await pool.query(`SELECT trace_context FROM "${schema}".kbus_outbox WHERE id = $1`, [eventId]);
      expect(rows[0]?.trace_context?.traceparent).toMatch(new RegExp(`^00-${root.spanContext().traceId}-`));

      await using relay = createRelay({ connectionString: DATABASE_URL, schema, brokers: stack.brokers });
      await relay.start();
      await relay.drained();
      await using consumer = createSubscriber({
        brokers: stack.brokers,
        registry: { url: stack.registryUrl },
        groupId,
        topics: [topic],
        handlers: { 'account.opened': () => {} },
      });
      await consumer.start();
      await waitForGroupAtEnd(groupId, topic.name);
      const spans = await waitFor(() => {
        const all = otel.spans();
        return all.some((s) => s.name === `process ${topic.name}`) && all;
      });

      const id = (s: Pick<ReadableSpan, 'spanContext'>) => s.spanContext().spanId;
      const create = spanNamed(spans, `create ${topic.name}`);
      const send = spanNamed(spans, `send ${topic.name}`);
      const process = spanNamed(spans, `process ${topic.name}`);
      const traceId = root.spanContext().traceId;
      for (const span of [create, send, process]) expect(span.spanContext().traceId).toBe(traceId);
      expect(parentOf(create)).toBe(id(root));
      expect(parentOf(send)).toBe(id(create));
      expect(parentOf(process)).toBe(id(send));
      expect(create.kind).toBe(SpanKind.PRODUCER);
      expect(send.kind).toBe(SpanKind.PRODUCER);
      expect(process.kind).toBe(SpanKind.CONSUMER);
      for (const span of [create, send, process]) {
        expect(span.attributes).toMatchObject({
          'messaging.system': 'kafka',
          'messaging.destination.name': topic.name,
          'messaging.message.id': eventId,
          'messaging.kafka.message.key': accountId,
        });
      }
      expect(create.attributes['messaging.operation.type']).toBe('create');

      // The record carries the relay's send context; the row's own headers are unchanged.
      const [record] = await readTopic(topic.name, { minRecords: 1 });
      expect(record?.headers.traceparent).toBe(`00-${traceId}-${id(send)}-01`);
      const sent = await otel.points('messaging.client.sent.messages', { 'messaging.destination.name': topic.name });
      expect(sent.reduce((n, p) => n + (p.value as number), 0)).toBe(1);
    } finally {
      await deleteTopics([topic.name], { withSubjects: true });
      await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
      await pool.end();
    }
  });

  it('an outbox table from before version 2 works without a tracer, and migrate() upgrades it for one', async () => {
    const stack = testStack();
    const topic = defineTopic({ name: uniqueName('otel-outbox-v1'), events: [AccountOpened], partitions: 1 });
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    const schema = await freshSchema(pool);
    try {
      await pool.query(`ALTER TABLE "${schema}".kbus_outbox DROP COLUMN trace_context`);
      await using setup = createPublisher({
        brokers: stack.brokers,
        registry: { url: stack.registryUrl },
        topics: [topic],
      });
      await setup.ensureTopics();
      const outbox = createOutbox({
        topics: [topic],
        source: 'accounts',
        registry: { url: stack.registryUrl },
        schema,
      });
      await outbox.add(pool, AccountOpened, { accountId: 'old-1' });
      await using relay = createRelay({ connectionString: DATABASE_URL, schema, brokers: stack.brokers });
      await relay.start();
      await relay.drained();
      expect(await readTopic(topic.name, { minRecords: 1 })).toHaveLength(1);
      // Running migrate() again brings the table to the current version.
      await migrate(pool, { schema });
      await using otel = otelSdk();
      await otel.tracer.startActiveSpan('POST /accounts', async (span) => {
        await outbox.add(pool, AccountOpened, { accountId: 'new-1' });
        span.end();
      });
      await relay.drained();
      const records = await readTopic(topic.name, { minRecords: 2 });
      expect(records.map((r) => r.headers.traceparent === undefined)).toEqual([true, false]);
    } finally {
      await deleteTopics([topic.name], { withSubjects: true });
      await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
      await pool.end();
    }
  });

  it('reports the backlog and the age of the oldest pending row as gauges', async () => {
    await using otel = otelSdk();
    const stack = testStack();
    const topic = defineTopic({ name: uniqueName('otel-backlog'), events: [AccountOpened], partitions: 1 });
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    const schema = await freshSchema(pool);
    const seen: OutboxBacklogMessage[] = [];
    const listener = (message: unknown) => seen.push(message as OutboxBacklogMessage);
    channels.outboxBacklog.subscribe(listener);
    try {
      await using setup = createPublisher({
        brokers: stack.brokers,
        registry: { url: stack.registryUrl },
        topics: [topic],
      });
      await setup.ensureTopics();
      const outbox = createOutbox({
        topics: [topic],
        source: 'accounts',
        registry: { url: stack.registryUrl },
        schema,
      });
      for (const accountId of ['a', 'b', 'c']) await outbox.add(pool, AccountOpened, { accountId });
      await using relay = createRelay({ connectionString: DATABASE_URL, schema, brokers: stack.brokers, batchSize: 1 });
      await relay.start();
      // The first report comes after the first send of one row: two are still pending.
      const first = await waitFor(() => seen[0]);
      expect(first).toMatchObject({ table: `${schema}.kbus_outbox`, pending: 2 });
      expect(first.oldestPendingAgeMs).toBeGreaterThan(0);
      await relay.drained();
      const table = { 'kbus.outbox.table': `${schema}.kbus_outbox` };
      const latest = await waitFor(async () => {
        const [backlog] = await otel.points('kbus.outbox.backlog', table);
        return backlog?.value === 0 && backlog;
      });
      expect(latest.value).toBe(0);
      expect((await otel.points('kbus.outbox.oldest_pending_age', table)).map((p) => p.value)).toEqual([0]);
    } finally {
      channels.outboxBacklog.unsubscribe(listener);
      await deleteTopics([topic.name], { withSubjects: true });
      await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
      await pool.end();
    }
  });
});
