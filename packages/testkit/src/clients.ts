import {
  type Admin,
  type Consumer,
  type ConsumerConfig,
  Kafka,
  type KafkaConfig,
  logLevel,
  type Producer,
  type ProducerConfig,
} from 'kafkajs';
import { testStack } from './environment.ts';

/**
 * Raw kafkajs clients pointed at the test stack, for tests that need an independent view
 * of the log (reading back what the SDK wrote, checking offsets). Everything it creates is
 * disconnected by `await using` / `[Symbol.asyncDispose]`.
 *
 * @example
 * await using clients = kafkaClients();
 * const admin = await clients.admin();
 * const offsets = await admin.fetchTopicOffsets(topic);
 */
export function kafkaClients(config: Partial<KafkaConfig> = {}) {
  const kafka = new Kafka({
    clientId: 'kbus-testkit',
    brokers: [...testStack().brokers],
    logLevel: logLevel.NOTHING,
    ...config,
  });
  const opened: Array<{ disconnect(): Promise<void> }> = [];
  return {
    kafka,
    async admin(): Promise<Admin> {
      const admin = kafka.admin();
      opened.push(admin);
      await admin.connect();
      return admin;
    },
    async producer(options: ProducerConfig = {}): Promise<Producer> {
      const producer = kafka.producer(options);
      opened.push(producer);
      await producer.connect();
      return producer;
    },
    async consumer(options: ConsumerConfig): Promise<Consumer> {
      const consumer = kafka.consumer(options);
      opened.push(consumer);
      await consumer.connect();
      return consumer;
    },
    async [Symbol.asyncDispose](): Promise<void> {
      await Promise.allSettled(opened.splice(0).map((c) => c.disconnect()));
    },
  };
}

export type KafkaClients = ReturnType<typeof kafkaClients>;

/**
 * Runs `work` with a connected kafkajs admin pointed at the test stack, and disconnects it.
 *
 * @example
 * const offsets = await withAdmin((admin) => admin.fetchTopicOffsets(topic));
 */
export async function withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Kafka({
    clientId: 'kbus-testkit-admin',
    brokers: [...testStack().brokers],
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}
