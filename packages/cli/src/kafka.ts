import { createKafkaClient, type KafkaClient } from '@kbus/transport';
import type { CommandContext } from './command.ts';
import { requireBrokers } from './config.ts';

/** The SDK's Kafka client for the connection of a command, with its TLS and SASL settings. */
export function kafkaFor(context: CommandContext): KafkaClient {
  const { connection } = context;
  return createKafkaClient({ brokers: requireBrokers(connection), clientId: 'kbus-cli', ...connection.kafka });
}
