/** Chooses and builds the SDK's clients: which library serves each role, from the options. */
import { KbusError } from '@kbus/core';
import { parseOptions } from '@kbus/core/options';
import { Kafka } from 'kafkajs';
import { KafkaJsAdminAdapter } from './kafkajs/admin.ts';
import { kafkaConfig } from './kafkajs/config.ts';
import { KafkaJsConsumerAdapter } from './kafkajs/consumer.ts';
import { KafkaJsProducerAdapter } from './kafkajs/producer.ts';
import { clientOptionsSchema, consumerOptionsSchema, producerOptionsSchema } from './options.ts';
import { PlatformaticProducerAdapter } from './platformatic/producer.ts';
import type { ClientOptions, KafkaClient, Producer, ProducerOptions } from './types.ts';

const PRODUCER_CLIENTS = ['kafkajs', 'platformatic'] as const;

function producerFor(kafka: Kafka, client: ClientOptions, given: ProducerOptions): Producer {
  const options = parseOptions(producerOptionsSchema, given, 'producer options');
  // @platformatic/kafka by default: maintained, about twice kafkajs's encoding speed, and it
  // never wrote a retried send twice in the fault suite, where kafkajs 2.2.4 once did (a
  // retry overlapping its own first attempt; README, "Kafka clients"). kafkajs for
  // transactions, which the other adapter lacks.
  const library = options.client ?? client.producerClient ?? (options.transactionalId ? 'kafkajs' : 'platformatic');
  if (!PRODUCER_CLIENTS.includes(library)) {
    throw new KbusError(
      'INVALID_CONFIGURATION',
      `producer.client (or the client's producerClient) must be ${PRODUCER_CLIENTS.map((c) => `"${c}"`).join(' or ')}, not ${JSON.stringify(library)}`,
    );
  }
  if ((options.idempotent ?? true) && (options.acks ?? -1) !== -1) {
    throw new KbusError(
      'INVALID_CONFIGURATION',
      'an idempotent producer needs acks = -1 (all); set idempotent: false to use other acks',
    );
  }
  return library === 'platformatic'
    ? new PlatformaticProducerAdapter(client, options)
    : new KafkaJsProducerAdapter(kafka, options, client);
}

/**
 * The SDK's Kafka client. One per process is plenty; producers, consumers and admins are
 * created from it. Producers send with @platformatic/kafka unless told otherwise
 * (`producerClient`, `ProducerOptions.client`); consumers and admins use kafkajs.
 *
 * @example
 * const kafka = createKafkaClient({ brokers: ['localhost:9092'], clientId: 'auth-service' });
 */
export function createKafkaClient(given: ClientOptions): KafkaClient {
  const options = parseOptions(clientOptionsSchema, given, 'createKafkaClient');
  const kafka = new Kafka(kafkaConfig(options));
  return {
    options,
    producer: (producerOptions = {}) => producerFor(kafka, options, producerOptions),
    consumer: (consumerOptions) =>
      new KafkaJsConsumerAdapter(
        kafka,
        parseOptions(consumerOptionsSchema, consumerOptions, 'consumer options'),
        options,
      ),
    admin: () => new KafkaJsAdminAdapter(kafka, options),
  };
}
