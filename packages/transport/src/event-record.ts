import {
  type AnyEventDefinition,
  type AnyTopicDefinition,
  createEnvelope,
  type Encoder,
  type EnvelopeOptions,
  type EventEnvelope,
  type HeaderSet,
  KbusError,
  malformedStrings,
  type PayloadInput,
  ValidationError,
} from '@kbus/core';
import { envelopeHeaders } from '@kbus/core/internal';
import { partitionForKey } from './murmur2.ts';
import type { OutgoingRecord } from './types.ts';

/*
 * How an event becomes a Kafka record, for every writer of the SDK (the publisher and the
 * outbox): one home, so the two cannot drift. It lives here rather than in @kbus/core
 * because the record's partition is the Java client's murmur2 partitioner, a Kafka fact,
 * and because only sibling packages use it (this package is internal).
 */

/**
 * Which topic each event of `topics` goes to. An event type belongs to one topic: a second
 * declaration is refused, since its records would otherwise go to whichever came last.
 */
export function eventRoutes(
  topics: readonly AnyTopicDefinition[],
  factory: string,
): Map<AnyEventDefinition, AnyTopicDefinition> {
  const routes = new Map<AnyEventDefinition, AnyTopicDefinition>();
  for (const topic of topics) {
    if (topic?.kind !== 'kbus.topic') {
      throw new KbusError('INVALID_CONFIGURATION', `${factory}: topics must come from defineTopic()`);
    }
    for (const event of topic.events as readonly AnyEventDefinition[]) {
      const other = routes.get(event);
      if (other) {
        throw new KbusError(
          'INVALID_CONFIGURATION',
          `${factory}: "${event.type}" is declared on both "${other.name}" and "${topic.name}"; an event type belongs to one topic`,
        );
      }
      routes.set(event, topic);
    }
  }
  return routes;
}

/**
 * Validates a payload and builds its envelope (no I/O). Refuses an aggregate id with a lone
 * UTF-16 surrogate: Java encodes one as "?", Node as U+FFFD, so the key's bytes and with
 * them the partition would differ from the Java client's.
 */
export function eventEnvelope(
  event: AnyEventDefinition,
  payload: unknown,
  options: EnvelopeOptions & { readonly headers?: Readonly<Record<string, string>> | undefined },
): EventEnvelope {
  // createEnvelope refuses lone surrogates in every string it encodes; extra headers are checked alike.
  const envelope = createEnvelope(event, payload as PayloadInput<AnyEventDefinition>, options) as EventEnvelope;
  if (options.headers) {
    const malformed = malformedStrings(options.headers, ['headers']);
    if (malformed.length > 0) throw new ValidationError(event.type, malformed);
  }
  return envelope;
}

export interface EventRecordOptions {
  /** Which envelope headers the record carries (default `essential`). */
  readonly headerSet?: HeaderSet;
  /** The caller's own headers; an envelope header of the same name wins. */
  readonly extraHeaders?: Readonly<Record<string, string>> | undefined;
}

/** An event's record before a partition is chosen (the outbox stores this much). */
export interface UnplacedEventRecord {
  /** The aggregate id, UTF-8. */
  readonly key: Buffer;
  /** The envelope in the Confluent wire format. */
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

/** The key, encoded value and headers of an envelope (throws if it cannot be encoded). */
export function unplacedEventRecord(
  envelope: EventEnvelope,
  encoder: Encoder,
  options: EventRecordOptions = {},
): UnplacedEventRecord {
  const value = encoder.encode(envelope);
  const key = Buffer.from(envelope.aggregateId, 'utf8');
  const headers = envelopeHeaders(envelope, options.headerSet);
  return { key, value, headers: options.extraHeaders ? { ...options.extraHeaders, ...headers } : headers };
}

/** The record placed on the partition the Java client's default partitioner picks for its key. */
export function placeEventRecord(record: UnplacedEventRecord, partitions: number): OutgoingRecord {
  const { key, value, headers } = record;
  return { key, value, headers, partition: partitionForKey(key, partitions) };
}

/** The whole record of an envelope: key, encoded value, headers and partition. */
export function eventRecord(
  envelope: EventEnvelope,
  encoder: Encoder,
  partitions: number,
  options: EventRecordOptions = {},
): OutgoingRecord {
  return placeEventRecord(unplacedEventRecord(envelope, encoder, options), partitions);
}
