import {
  type AnyEventDefinition,
  type AnyTopicDefinition,
  type CompatibilityLevel,
  type HeaderSet,
  KbusError,
  type RegistryOptions,
  Serde,
  type SubjectNaming,
} from '@kbus/core';
import { HEADER_SETS } from '@kbus/core/internal';
import { eventRoutes, type KafkaClient, type ProducerOptions } from '@kbus/transport';

export interface BatchOptions {
  /**
   * Extra time records wait for company before a send when no send is in flight (default 0:
   * the end of the current tick). While a send is in flight, new records always wait for it
   * and go together in the next one, so concurrency batches by itself.
   */
  readonly lingerMs?: number;
  /** Most records in one send (default 1000). */
  readonly maxRecords?: number;
  /** Most value+key bytes in one send (default 1,000,000; brokers refuse batches over message.max.bytes). */
  readonly maxBytes?: number;
}

export interface BufferOptions {
  /** Most records accepted but not yet acknowledged (default 10,000). */
  readonly maxRecords?: number;
  /** When full: `wait` (default) holds callers until there is room; `fail` rejects with BUFFER_FULL. */
  readonly whenFull?: 'wait' | 'fail';
}

export interface PublisherOptions<T extends readonly AnyTopicDefinition[]> {
  /** The topics this publisher writes, with their events. */
  readonly topics: T;
  /** Brokers to connect to (or pass `kafka`). */
  readonly brokers?: readonly string[];
  /** A client shared with other publishers/subscribers. */
  readonly kafka?: KafkaClient;
  readonly clientId?: string;
  /** The producing service, written as each envelope's `source`. Default: clientId. */
  readonly source?: string;
  /** The schema registry, or a Serde shared with others. */
  readonly registry: RegistryOptions | Serde;
  readonly subjectNaming?: SubjectNaming;
  /** Register schemas at start-up (default true). */
  readonly autoRegister?: boolean;
  /**
   * Compatibility check of every declared event against the registry at start-up, before
   * anything is published (default BACKWARD). `false` skips it.
   */
  readonly compatibility?: CompatibilityLevel | Readonly<Record<string, CompatibilityLevel>> | false;
  readonly batch?: BatchOptions;
  readonly buffer?: BufferOptions;
  /** Producer settings; durable defaults: idempotent, acks = all, 5 retries. */
  readonly producer?: ProducerOptions;
  /** How often partition counts are re-read (default 5 minutes). */
  readonly metadataMaxAgeMs?: number;
  /**
   * Upper bound between publish() and its answer (default 120 s, as Kafka's Java client):
   * past it the call fails with a retriable TIMEOUT rather than waiting on a cluster that
   * cannot accept writes (the event may still have been written).
   */
  readonly deliveryTimeoutMs?: number;
  /**
   * Record headers: `essential` (default: ce_id, ce_type, correlation, causation),
   * `cloudevents` (all CloudEvents attributes) or `none` (cheapest to send; consumers then
   * decode every record to learn its type).
   */
  readonly headers?: HeaderSet;
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
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new KbusError(
      'INVALID_CONFIGURATION',
      `createPublisher: ${name} must be a non-negative integer, got ${value}`,
    );
  }
  return value;
}

/** Applies defaults and rejects options that cannot work, saying what to change. */
export function resolveOptions<T extends readonly AnyTopicDefinition[]>(options: PublisherOptions<T>): ResolvedOptions {
  if (!options.topics || options.topics.length === 0) {
    throw new KbusError('INVALID_CONFIGURATION', 'createPublisher: declare the topics it writes, topics: [MyTopic]');
  }
  if (!options.kafka && (!options.brokers || options.brokers.length === 0)) {
    throw new KbusError(
      'INVALID_CONFIGURATION',
      'createPublisher: pass brokers: ["host:9092"] or a shared kafka client',
    );
  }
  if (!options.registry) {
    throw new KbusError(
      'INVALID_CONFIGURATION',
      'createPublisher: pass registry: { url } (the Confluent-compatible schema registry)',
    );
  }
  const routes = eventRoutes(options.topics, 'createPublisher');
  const maxBatchRecords = positiveInteger(options.batch?.maxRecords, 1000, 'batch.maxRecords') || 1;
  const maxBufferedRecords = positiveInteger(options.buffer?.maxRecords, 10_000, 'buffer.maxRecords');
  if (maxBufferedRecords < 1) {
    throw new KbusError('INVALID_CONFIGURATION', 'createPublisher: buffer.maxRecords must be at least 1');
  }
  const clientId = options.clientId ?? options.kafka?.options.clientId ?? 'kbus-publisher';
  return {
    source: options.source ?? clientId,
    lingerMs: positiveInteger(options.batch?.lingerMs, 0, 'batch.lingerMs'),
    maxBatchRecords,
    maxBatchBytes: positiveInteger(options.batch?.maxBytes, 1_000_000, 'batch.maxBytes'),
    maxBufferedRecords,
    whenFull: options.buffer?.whenFull ?? 'wait',
    metadataMaxAgeMs: positiveInteger(options.metadataMaxAgeMs, 300_000, 'metadataMaxAgeMs'),
    deliveryTimeoutMs: positiveInteger(options.deliveryTimeoutMs, 120_000, 'deliveryTimeoutMs') || 1,
    headers: headerSet(options.headers),
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
  };
}

function headerSet(value: HeaderSet | undefined): HeaderSet {
  if (value === undefined) return 'essential';
  if (!HEADER_SETS.includes(value)) {
    throw new KbusError(
      'INVALID_CONFIGURATION',
      `createPublisher: headers must be one of ${HEADER_SETS.map((h) => `"${h}"`).join(', ')}, not ${JSON.stringify(value)}`,
    );
  }
  return value;
}
