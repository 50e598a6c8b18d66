import { createKafkaClient, type KafkaClient } from '@kbus/transport';
import type { CommandContext } from './command.ts';
import { requireBrokers } from './config.ts';

/** The SDK's Kafka client for the connection of a command. */
export function kafkaFor(context: CommandContext): KafkaClient {
  return createKafkaClient({ brokers: requireBrokers(context.connection), clientId: 'kbus-cli' });
}
