/**
 * The options of createOutbox and createRelay, declared once: their types and their check
 * at creation both come from here.
 */
import { type AnyTopicDefinition, KbusError } from '@kbus/core';
import {
  callback,
  listOf,
  nonEmptyString,
  parseOptions,
  recognised,
  registryOption,
  strictOptions,
  subjectNamingOption,
  timerMs,
  wholeNumber,
} from '@kbus/core/options';
import { brokersOption, kafkaClientOption, producerOptionsSchema, saslOption, sslOption } from '@kbus/transport';
import type * as z from 'zod';

const tableShape = {
  /** PostgreSQL schema of the outbox tables (default `public`). */
  schema: nonEmptyString('a PostgreSQL schema name, e.g. "public"').optional(),
  /** Table name (default `kbus_outbox`); the sequence table is `<table>_sequence`. */
  table: nonEmptyString('a table name, e.g. "kbus_outbox"').optional(),
};

export const tableOptionsSchema = strictOptions(tableShape);

export const outboxOptionsSchema = strictOptions({
  ...tableShape,
  topics: listOf(
    recognised<AnyTopicDefinition>(
      (value) => (value as AnyTopicDefinition | null)?.kind === 'kbus.topic',
      'a topic from defineTopic()',
    ),
    'a non-empty list of topics from defineTopic() (declare the topics, e.g. [MyTopic])',
    1,
  ),
  /** The producing service, written as each envelope's `source`. */
  source: nonEmptyString('the name of the producing service, e.g. "auth-service"'),
  registry: registryOption,
  subjectNaming: subjectNamingOption.optional(),
});

export const relayOptionsSchema = strictOptions({
  ...tableShape,
  /** PostgreSQL connection (a dedicated session holds the leader lock and listens). */
  connectionString: nonEmptyString('a PostgreSQL connection string, e.g. "postgres://user@host:5432/db"'),
  brokers: brokersOption.optional(),
  kafka: kafkaClientOption.optional(),
  clientId: nonEmptyString().optional(),
  /** TLS to the brokers (as createKafkaClient's `ssl`); not with `kafka`, whose own settings apply. */
  ssl: sslOption.optional(),
  /** SASL authentication (as createKafkaClient's `sasl`); not with `kafka`. */
  sasl: saslOption.optional(),
  /** Rows per send (default 500). */
  batchSize: wholeNumber(1, 100_000).optional(),
  /** Fallback poll when no notification arrives, and the standby's retry of the leader lock (default 1 s). */
  pollIntervalMs: timerMs(1).optional(),
  /** Published rows older than this are deleted (default 7 days; 0 keeps them). Not a timer: any age. */
  retentionMs: wholeNumber(0, Number.MAX_SAFE_INTEGER).optional(),
  /** How often to delete old published rows (default 1 minute). */
  cleanupIntervalMs: timerMs(0).optional(),
  producer: producerOptionsSchema.optional(),
  /** Called with failures the relay recovers from by itself (it retries). */
  onError: callback<(error: unknown) => void>().optional(),
  /** Test and observability hooks. */
  hooks: strictOptions({
    /** After the broker acknowledged a batch, before it is marked published. */
    afterPublish: callback<(eventIds: readonly string[]) => void | Promise<void>>().optional(),
  }).optional(),
});

export type TableOptions = z.input<typeof tableOptionsSchema>;
export type RelayOptions = z.input<typeof relayOptionsSchema>;

/** The relay's options once checked, with the client settings it makes its own client from. */
export function checkRelayOptions(given: RelayOptions): RelayOptions {
  const options = parseOptions(relayOptionsSchema, given, 'createRelay');
  if (!options.kafka && !options.brokers)
    throw new KbusError('INVALID_CONFIGURATION', 'createRelay: pass brokers: ["host:9092"] or a shared kafka client');
  if (options.kafka && (options.ssl !== undefined || options.sasl !== undefined))
    throw new KbusError(
      'INVALID_CONFIGURATION',
      "createRelay: ssl and sasl are settings of the shared kafka client: pass them to createKafkaClient, or drop 'kafka'",
    );
  return options;
}
