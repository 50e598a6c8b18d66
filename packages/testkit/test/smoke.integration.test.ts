import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { describe, expect, it } from 'vitest';
import { createTestTopic, kafkaClients, testStack, uniqueName, waitFor } from '../src/index.ts';

// Proves the chain is real: a schema in the real registry, a record through the real
// broker, consumed in a consumer group, committed, and the committed offset read back.
describe('smoke: registry + broker + consumer group', () => {
  it('registers, produces, consumes, commits and reads back the committed offset', async () => {
    const stack = testStack();
    await using topic = await createTestTopic({ prefix: 'smoke', partitions: 1 });
    await using clients = kafkaClients();

    const registry = new SchemaRegistry({ host: stack.registryUrl });
    const schema = {
      type: 'record',
      name: 'Ping',
      namespace: 'kbus.smoke',
      fields: [{ name: 'message', type: 'string' }],
    };
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject: `${topic.name}-kbus.smoke.Ping` },
    );
    expect(id).toBeGreaterThan(0);

    const producer = await clients.producer({ idempotent: true, maxInFlightRequests: 1 });
    const value = await registry.encode(id, { message: 'hello' });
    const [sent] = await producer.send({ topic: topic.name, acks: -1, messages: [{ key: 'k1', value }] });
    expect(sent?.errorCode).toBe(0);

    const groupId = uniqueName('smoke-group');
    const consumer = await clients.consumer({ groupId });
    await consumer.subscribe({ topic: topic.name, fromBeginning: true });
    const received: Array<{ message: string }> = [];
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message, partition }) => {
        received.push((await registry.decode(message.value as Buffer)) as { message: string });
        await consumer.commitOffsets([
          { topic: topic.name, partition, offset: (BigInt(message.offset) + 1n).toString() },
        ]);
      },
    });
    await waitFor(() => received.length === 1, { description: 'the record to be consumed' });
    expect(received).toEqual([{ message: 'hello' }]);

    const admin = await clients.admin();
    const committed = await waitFor(
      async () => {
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic.name] });
        const offset = offsets?.partitions[0]?.offset;
        return offset === '1' ? offset : undefined;
      },
      { description: 'the committed offset to reach 1' },
    );
    expect(committed).toBe('1');
    await consumer.disconnect();
  });
});
