import { defineTopic, isKbusError } from '@kbus/core';
import { createPublisher } from '@kbus/publisher';
import { deleteTopics, type LogRecord, readTopic, testStack, uniqueName } from '@kbus/testkit';
import { describe, expect, it } from 'vitest';
import { createOutbox, createRelay } from '../src/index.ts';
import { BalanceChanged, DATABASE_URL, freshDatabase, ledgerTopic } from './fixtures.ts';

/** A record with its event id blanked out (the only byte-level difference two writers may have). */
function comparable(record: LogRecord) {
  const id = record.headers.ce_id as string;
  const blank = (bytes: Buffer | null) => bytes?.toString('latin1').replaceAll(id, '<id>');
  const { 'kbus_aggregate-seq': _sequence, ...headers } = record.headers;
  return {
    key: record.key?.toString('utf8'),
    partition: record.partition,
    value: blank(record.value),
    headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, value.replaceAll(id, '<id>')])),
  };
}

describe('the publisher and the outbox write the same record for the same event', () => {
  it('same key, partition, headers and value bytes (apart from the event id)', async () => {
    const stack = testStack();
    const topic = ledgerTopic(uniqueName('parity'));
    await using db = await freshDatabase();
    await using publisher = createPublisher({
      brokers: stack.brokers,
      registry: { url: stack.registryUrl },
      topics: [topic],
      source: 'ledger',
    });
    try {
      await publisher.ensureTopics();
      const outbox = createOutbox({
        topics: [topic],
        source: 'ledger',
        registry: { url: stack.registryUrl },
        schema: db.schema,
      });
      const occurredAt = new Date('2026-12-01T12:00:00.123Z');
      const inputs = ['acc-1', 'acc-2', 'ünïcødé-账户', 'acc-4'].map((accountId, i) => ({
        payload: { accountId, writer: 'w', amount: i * 1000 - 1 },
        options: {
          occurredAt,
          causationId: `cause-${i}`,
          ...(i % 2 === 0 ? { correlationId: `conv-${i}` } : {}),
          headers: { 'x-tenant': 'acme', ce_type: 'overridden by the envelope' },
        },
      }));
      for (const { payload, options } of inputs) await publisher.publish(BalanceChanged, payload, options);
      const client = await db.pool.connect();
      try {
        await client.query('BEGIN');
        for (const { payload, options } of inputs) await outbox.add(client, BalanceChanged, payload, options);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      await using relay = createRelay({ connectionString: DATABASE_URL, schema: db.schema, brokers: stack.brokers });
      await relay.start();
      await relay.drained();

      const records = await readTopic(topic.name, { minRecords: 2 * inputs.length });
      expect(records).toHaveLength(2 * inputs.length);
      const published = records.filter((r) => r.headers['kbus_aggregate-seq'] === undefined);
      const relayed = records.filter((r) => r.headers['kbus_aggregate-seq'] !== undefined);
      expect(relayed).toHaveLength(inputs.length);
      const byKey = (list: LogRecord[]) =>
        Object.fromEntries(list.map((r) => [r.key?.toString('utf8'), comparable(r)] as const));
      expect(byKey(relayed)).toEqual(byKey(published));
      // Not vacuous: the ids really were in the bytes, and the records spread over partitions.
      expect(published.every((r) => r.value?.includes(r.headers.ce_id as string))).toBe(true);
      expect(new Set(published.map((r) => r.partition)).size).toBeGreaterThan(1);
    } finally {
      await deleteTopics([topic.name]);
    }
  });

  it('both refuse an aggregate id with a lone surrogate, before any I/O', async () => {
    const stack = testStack();
    const topic = ledgerTopic(uniqueName('parity'));
    await using db = await freshDatabase();
    await using publisher = createPublisher({
      brokers: stack.brokers,
      registry: { url: stack.registryUrl },
      topics: [topic],
    });
    const outbox = createOutbox({
      topics: [topic],
      source: 'ledger',
      registry: { url: stack.registryUrl },
      schema: db.schema,
    });
    const payload = { accountId: 'acc-\ud800', writer: 'w', amount: 1 };
    const fromPublisher = await publisher.publish(BalanceChanged, payload).catch((error: unknown) => error);
    const fromOutbox = await outbox.add(db.pool, BalanceChanged, payload).catch((error: unknown) => error);
    for (const error of [fromPublisher, fromOutbox]) {
      expect(isKbusError(error) && error.code).toBe('VALIDATION_FAILED');
      expect(String((error as Error).message)).toContain('lone UTF-16 surrogate');
    }
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM "${db.schema}".kbus_outbox`);
    expect(rows[0]).toEqual({ n: 0 });
  });

  it('both refuse an event declared on two topics', () => {
    const stack = testStack();
    const first = ledgerTopic(uniqueName('parity'));
    const second = defineTopic({ name: uniqueName('parity'), events: [BalanceChanged] });
    const attempts = [
      () => createPublisher({ brokers: stack.brokers, registry: { url: stack.registryUrl }, topics: [first, second] }),
      () => createOutbox({ topics: [first, second], source: 'ledger', registry: { url: stack.registryUrl } }),
    ];
    for (const attempt of attempts) {
      expect(attempt).toThrow(/is declared on both/);
    }
  });
});
