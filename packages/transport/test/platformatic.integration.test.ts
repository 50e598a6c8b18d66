import { isKbusError } from '@kbus/core';
import { createTestTopic, readTopic, testStack, uniqueName } from '@kbus/testkit';
import { describe, expect, it } from 'vitest';
import { createKafkaClient } from '../src/index.ts';

const typeOf = (i: number) => (i % 7 < 4 ? 'account.opened' : 'account.closed');

const client = () => createKafkaClient({ brokers: testStack().brokers, clientId: 'transport-test' });

describe("producer client 'platformatic' (the default) against the real broker", () => {
  it('writes key, value, headers and timestamp to the given partitions and reports base offsets', async () => {
    await using topic = await createTestTopic({ partitions: 3, prefix: 'platformatic' });
    const producer = client().producer({ client: 'platformatic' });
    await producer.connect();
    try {
      const records = Array.from({ length: 30 }, (_, i) => ({
        key: i % 2 === 0 ? Buffer.from(`key-${i}`) : `key-${i}`,
        value: Buffer.from(`value-${i}`),
        partition: i % 3,
        // Runs of one type and changes between them: header bytes are reused only while a value repeats.
        headers: { ce_type: typeOf(i), ce_id: Buffer.from(`id-${i}`) },
        timestamp: String(1_700_000_000_000 + i),
      }));
      const first = await producer.send([{ topic: topic.name, records: records.slice(0, 15) }]);
      const second = await producer.send([{ topic: topic.name, records: records.slice(15) }]);
      const byPartition = (acks: typeof first) =>
        Object.fromEntries(acks.map((a) => [a.partition, a.baseOffset] as const));
      expect(byPartition(first)).toEqual({ 0: '0', 1: '0', 2: '0' });
      expect(byPartition(second)).toEqual({ 0: '5', 1: '5', 2: '5' });

      const log = await readTopic(topic.name, { minRecords: 30 });
      expect(log).toHaveLength(30);
      for (const record of log) {
        const i = Number(record.value?.toString().slice('value-'.length));
        expect(record.partition).toBe(i % 3);
        expect(record.key?.toString()).toBe(`key-${i}`);
        expect(record.headers).toEqual({ ce_type: typeOf(i), ce_id: `id-${i}` });
        expect(record.timestamp).toBe(String(1_700_000_000_000 + i));
        // Each partition's records in send order: offset = position among that partition's records.
        expect(record.offset).toBe(String(Math.floor(i / 3)));
      }
    } finally {
      await producer.disconnect();
    }
  });

  it('a topic that does not exist is a TOPIC_NOT_FOUND error, not a hang', async () => {
    const producer = client().producer({ client: 'platformatic', retries: 3 });
    await producer.connect();
    try {
      const error = await producer
        .send([{ topic: uniqueName('missing'), records: [{ key: 'k', value: Buffer.from('v'), partition: 0 }] }])
        .catch((e: unknown) => e);
      expect(isKbusError(error, 'TOPIC_NOT_FOUND')).toBe(true);
      expect(error).toMatchObject({ retriable: false });
    } finally {
      await producer.disconnect();
    }
  });

  it('brokers that do not answer fail connect() with a retriable error', async () => {
    const producer = createKafkaClient({ brokers: ['127.0.0.1:1'], connectionTimeoutMs: 1_000 }).producer({
      client: 'platformatic',
      retries: 0,
    });
    const error = await producer.connect().catch((e: unknown) => e);
    expect(isKbusError(error, 'KAFKA_ERROR')).toBe(true);
    expect(error).toMatchObject({ retriable: true });
    expect((error as Error).message).toContain('connecting the producer');
  });

  it('refuses settings it cannot honour at creation', () => {
    expect(() => client().producer({ client: 'platformatic', idempotent: true, acks: 1 })).toThrow(/acks = -1/);
    expect(() => client().producer({ client: 'platformatic', transactionalId: 'relay' })).toThrow(/transactional/);
    expect(() => client().producer({ client: 'other' as never })).toThrow(/must be "kafkajs" or "platformatic"/);
    // Transactional producers default to kafkajs; a client-wide choice applies to producers
    // that do not choose, and a producer's own choice wins.
    expect(() => client().producer({ transactionalId: 'relay' })).not.toThrow();
    const moved = createKafkaClient({ brokers: testStack().brokers, producerClient: 'platformatic' });
    expect(() => moved.producer({ transactionalId: 'relay' })).toThrow(/transactional/);
    expect(() => moved.producer({ client: 'kafkajs', transactionalId: 'relay' })).not.toThrow();
  });
});
