import {
  type AnyEventDefinition,
  type AnyTopicDefinition,
  COMPATIBILITY_LEVELS,
  type CompatibilityLevel,
  type HeaderSet,
  KbusError,
  Serde,
} from '@kbus/core';
import { HEADER_SETS } from '@kbus/core/internal';
import {
  booleanOption,
  choice,
  listOf,
  nonEmptyString,
  off,
  oneOf,
  parseOptions,
  recognised,
  registryOption,
  strictOptions,
  subjectNamingOption,
  timerMs,
  wholeNumber,
} from '@kbus/core/options';
import {
  brokersOption,
  type ClientOptions,
  eventRoutes,
  kafkaClientOption,
  type ProducerOptions,
  producerOptionsSchema,
  saslOption,
  sslOption,
} from '@kbus/transport';
import * as z from 'zod';

function isTopic(value: unknown): boolean {
  return (value as AnyTopicDefinition | null)?.kind === 'kbus.topic';
}

const compatibilityLevel = choice(COMPATIBILITY_LEVELS as readonly [CompatibilityLevel, ...CompatibilityLevel[]]);

/** What every publisher option accepts; the option types below are taken from it. */
export const publisherOptionsSchema = strictOptions({
  /** The topics this publisher writes, with their events. */
  topics: listOf(
    recognised<AnyTopicDefinition>(isTopic, 'a topic from defineTopic()'),
    'a non-empty list of topics from defineTopic(), e.g. [MyTopic]',
    1,
  ),
  /** Brokers to connect to (or pass `kafka`). */
  brokers: brokersOption.optional(),
  /** A client shared with other publishers/subscribers. */
  kafka: kafkaClientOption.optional(),
  clientId: nonEmptyString().optional(),
  /** TLS to the brokers (as createKafkaClient's `ssl`); not with `kafka`, whose own settings apply. */
  ssl: sslOption.optional(),
  /** SASL authentication (as createKafkaClient's `sasl`); not with `kafka`. */
  sasl: saslOption.optional(),
  /** The producing service, written as each envelope's `source`. Default: clientId. */
  source: nonEmptyString().optional(),
  /** The schema registry, or a Serde shared with others. */
  registry: registryOption,
  subjectNaming: subjectNamingOption.optional(),
  /** Register schemas at start-up (default true). */
  autoRegister: booleanOption().optional(),
  /**
   * Compatibility check of every declared event against the registry at start-up, before
   * anything is published (default BACKWARD; levels in any case). `false` skips it.
   */
  compatibility: oneOf(
    [off(), compatibilityLevel, z.record(z.string(), compatibilityLevel)],
    `false, a level (${COMPATIBILITY_LEVELS.join(', ')}) or a map of subject or event type to a level`,
  ).optional(),
  batch: strictOptions({
    /**
     * Extra time records wait for company before a send when no send is in flight (default 0:
     * the end of the current tick). While a send is in flight, new records always wait for it
     * and go together in the next one, so concurrency batches by itself.
     */
    lingerMs: timerMs(0).optional(),
    /** Most records in one send (default 1000). */
    maxRecords: wholeNumber(0).optional(),
    /** Most value+key bytes in one send (default 1,000,000; brokers refuse batches over message.max.bytes). */
    maxBytes: wholeNumber(0).optional(),
  }).optional(),
  buffer: strictOptions({
    /** Most records accepted but not yet acknowledged (default 10,000). */
    maxRecords: wholeNumber(1).optional(),
    /** When full: `wait` (default) holds callers until there is room; `fail` rejects with BUFFER_FULL. */
    whenFull: choice(['wait', 'fail']).optional(),
  }).optional(),
  /** Producer settings; durable defaults: idempotent, acks = all, 5 retries. */
  producer: producerOptionsSchema.optional(),
  /** How often partition counts are re-read (default 5 minutes; 0 never). */
  metadataMaxAgeMs: timerMs(0).optional(),
  /**
   * Upper bound between publish() and its answer (default 120 s, as Kafka's Java client):
   * past it the call fails with a retriable TIMEOUT rather than waiting on a cluster that
   * cannot accept writes (the event may still have been written).
   */
  deliveryTimeoutMs: timerMs(0).optional(),
  /**
   * Record headers: `essential` (default: ce_id, ce_type, correlation, causation),
   * `cloudevents` (all CloudEvents attributes) or `none` (cheapest to send; consumers then
   * decode every record to learn its type).
   */
  headers: choice(HEADER_SETS as readonly [HeaderSet, ...HeaderSet[]]).optional(),
});

type DeclaredOptions = z.input<typeof publisherOptionsSchema>;
export type BatchOptions = NonNullable<DeclaredOptions['batch']>;
export type BufferOptions = NonNullable<DeclaredOptions['buffer']>;

export interface PublisherOptions<T extends readonly AnyTopicDefinition[]> extends Omit<DeclaredOptions, 'topics'> {
  /** The topics this publisher writes, with their events. */
  readonly topics: T;
}

export interface ResolvedOptions {
  readonly source: string;
  readonly lingerMs: number;
  readonly maxBatchRecords: number;
  readonly maxBatchBytes: number;
  readonly maxBufferedRecords: number;
  readonly whenFull: 'wait' | 'fail';
  readonly metadataMaxAgeMs: number;
  readonly deliveryTimeoutMs: number;
  readonly headers: HeaderSet;
  readonly compatibility: CompatibilityLevel | Readonly<Record<string, CompatibilityLevel>> | false;
  /** Which topic each declared event goes to. */
  readonly routes: ReadonlyMap<AnyEventDefinition, AnyTopicDefinition>;
  readonly serde: Serde;
  /** Settings of the client made when no `kafka` is shared (then its own settings). */
  readonly connection: ClientOptions;
  readonly producer: ProducerOptions;
}

const fail = (message: string): never => {
  throw new KbusError('INVALID_CONFIGURATION', `createPublisher: ${message}`);
};

/** Applies defaults and rejects options that cannot work, saying what to change. */
export function resolveOptions<T extends readonly AnyTopicDefinition[]>(given: PublisherOptions<T>): ResolvedOptions {
  const options = parseOptions(publisherOptionsSchema, given, 'createPublisher');
  if (!options.kafka && !options.brokers) fail('pass brokers: ["host:9092"] or a shared kafka client');
  if (options.kafka && (options.ssl !== undefined || options.sasl !== undefined))
    fail("ssl and sasl are settings of the shared kafka client: pass them to createKafkaClient, or drop 'kafka'");
  const routes = eventRoutes(options.topics, 'createPublisher');
  const clientId = options.clientId ?? options.kafka?.options.clientId ?? 'kbus-publisher';
  const source = options.source ?? clientId;
  return {
    source,
    lingerMs: options.batch?.lingerMs ?? 0,
    maxBatchRecords: Math.max(1, options.batch?.maxRecords ?? 1000),
    maxBatchBytes: options.batch?.maxBytes ?? 1_000_000,
    maxBufferedRecords: options.buffer?.maxRecords ?? 10_000,
    whenFull: options.buffer?.whenFull ?? 'wait',
    metadataMaxAgeMs: options.metadataMaxAgeMs ?? 300_000,
    deliveryTimeoutMs: Math.max(1, options.deliveryTimeoutMs ?? 120_000),
    headers: options.headers ?? 'essential',
    compatibility: options.compatibility ?? 'BACKWARD',
    routes,
    serde:
      options.registry instanceof Serde
        ? options.registry
        : new Serde({
            registry: options.registry,
            ...(options.subjectNaming ? { subjectNaming: options.subjectNaming } : {}),
            ...(options.autoRegister === undefined ? {} : { autoRegister: options.autoRegister }),
          }),
    connection: options.kafka?.options ?? {
      brokers: options.brokers ?? [],
      clientId: options.clientId ?? source,
      ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
      ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
    },
    producer: options.producer ?? {},
  };
}
