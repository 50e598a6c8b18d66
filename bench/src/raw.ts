/**
 * The raw kafkajs baselines, configured like the SDK's transport adapter
 * (packages/transport/src/kafkajs/) so that only the SDK's own work differs.
 */
import { Producer as PlatformaticProducer } from '@platformatic/kafka';
import { type Consumer, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';

export function rawKafka(brokers: readonly string[], clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: [...brokers],
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    logLevel: logLevel.NOTHING,
  });
}

/** Idempotent, one request in flight, Java-compatible partitioner: what the SDK's producer uses. */
export async function rawProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 5_000 },
  });
  await producer.connect();
  return producer;
}

/**
 * A raw @platformatic/kafka producer configured like the SDK's 'platformatic' producer
 * adapter (packages/transport/src/platformatic/producer.ts): idempotent, acks -1, no auto-creation.
 */
export async function rawPlatformaticProducer(
  brokers: readonly string[],
  clientId: string,
): Promise<PlatformaticProducer<Buffer, Buffer, Buffer, Buffer>> {
  const producer = new PlatformaticProducer<Buffer, Buffer, Buffer, Buffer>({
    clientId,
    bootstrapBrokers: [...brokers],
    idempotent: true,
    acks: -1,
    retries: 5,
    autocreateTopics: false,
  });
  await producer.metadata({ topics: [] });
  return producer;
}

/** Same session, fetch and wait settings as the SDK's consumer adapter defaults. */
export async function rawConsumer(kafka: Kafka, groupId: string, topic: string): Promise<Consumer> {
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 30_000,
    rebalanceTimeout: 60_000,
    heartbeatInterval: 3_000,
    maxBytesPerPartition: 1_048_576,
    maxWaitTimeInMs: 100,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  return consumer;
}

/** Resolves when the consumer joined its group (call before run()). */
export function joined(consumer: Consumer): Promise<void> {
  return new Promise((resolve) => {
    const remove = consumer.on(consumer.events.GROUP_JOIN, () => {
      remove();
      resolve();
    });
  });
}
