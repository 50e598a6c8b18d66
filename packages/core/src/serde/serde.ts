import type avro from 'avsc';
import { avroType } from '../avro/logical-types.ts';
import { fullName } from '../avro/schema.ts';
import {
  type AnyEventDefinition,
  type EnvelopeOf,
  type EventEnvelope,
  type PayloadOf,
  parsePayload,
} from '../contracts/event.ts';
import type { AnyTopicDefinition } from '../contracts/topic.ts';
import { isKbusError, KbusError } from '../errors.ts';
import { RegistryClient, type RegistryOptions } from './registry.ts';
import { encodeInto } from './tap.ts';

/**
 * How a subject is named for an event on a topic:
 * - `topic-record` (default): `<topic>-<record full name>`: several event types per topic,
 *   each evolving on its own (Confluent's TopicRecordNameStrategy).
 * - `record`: `<record full name>`: one schema history shared by every topic (RecordNameStrategy).
 * - `topic`: `<topic>-value`: one event type per topic (TopicNameStrategy).
 */
export type SubjectNaming =
  | 'topic-record'
  | 'record'
  | 'topic'
  | ((topic: string, event: AnyEventDefinition) => string);

export interface SerdeOptions {
  /** The schema registry, or a client shared with other serdes. */
  readonly registry: RegistryOptions | RegistryClient;
  readonly subjectNaming?: SubjectNaming;
  /** Register schemas on first use (default true); when false, a schema must already be registered. */
  readonly autoRegister?: boolean;
  /** Check decoded payloads against their zod schema, refinements included (default true). */
  readonly validateOnDecode?: boolean;
}

/** Encodes envelopes of one event type for one topic; synchronous once its schema id is known. */
export interface Encoder<E extends AnyEventDefinition = AnyEventDefinition> {
  readonly schemaId: number;
  readonly subject: string;
  encode(envelope: EventEnvelope<E['type'], PayloadOf<E>>): Buffer;
}

export interface DecodedEvent<E extends AnyEventDefinition = AnyEventDefinition> {
  readonly event: E;
  readonly envelope: EnvelopeOf<E>;
  /** Id of the writer's schema. */
  readonly schemaId: number;
}

/** Confluent wire format: magic byte 0, schema id as a 4-byte big-endian integer, then Avro binary. */
export const WIRE_HEADER_SIZE = 5;
const MAGIC_BYTE = 0;

/** The schema id of a Confluent wire-format value, or a typed error saying why there is none. */
export function readSchemaId(bytes: Uint8Array | null | undefined): number {
  if (!bytes || bytes.length === 0) {
    throw new KbusError(
      'DECODE_FAILED',
      'the record has no value (a tombstone or empty record), so no event to decode',
    );
  }
  if (bytes[0] !== MAGIC_BYTE) {
    throw new KbusError(
      'BAD_MAGIC_BYTE',
      `the record does not start with the Confluent wire-format magic byte 0 (found 0x${(bytes[0] ?? 0).toString(16).padStart(2, '0')}); ` +
        'it was not written by a schema-registry serializer',
      { details: { firstByte: bytes[0] } },
    );
  }
  if (bytes.length < WIRE_HEADER_SIZE) {
    throw new KbusError(
      'DECODE_FAILED',
      `the record is ${bytes.length} bytes long, shorter than the 5-byte wire-format header`,
    );
  }
  // Big-endian, signed (as Java's int), without making a Buffer view.
  return (
    ((bytes[1] as number) << 24) | ((bytes[2] as number) << 16) | ((bytes[3] as number) << 8) | (bytes[4] as number) | 0
  );
}

interface Reader {
  readonly event: AnyEventDefinition;
  readonly type: avro.Type;
  readonly resolver: avro.Resolver | undefined;
}

let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * Encodes and decodes event envelopes as Avro in the Confluent wire format, through a
 * schema registry. Schema ids and writer schemas are fetched once and cached; in steady
 * state no registry request is made per message.
 *
 * @example
 * const serde = createSerde({ registry: { url: process.env.SCHEMA_REGISTRY_URL! } });
 * const bytes = await serde.encode(UserAccountTopic, UserAccountCreated, envelope);
 * const { event, envelope } = await serde.decode(UserAccountTopic, bytes);
 */
export class Serde {
  readonly registry: RegistryClient;
  private readonly naming: SubjectNaming;
  private readonly autoRegister: boolean;
  private readonly validateOnDecode: boolean;
  private readonly encoders = new Map<string, Promise<Encoder>>();
  // Per topic definition (not name: two declarations of one topic may differ), per schema id.
  private readonly readers = new WeakMap<AnyTopicDefinition, Map<number, Promise<Reader>>>();
  private readonly readyReaders = new WeakMap<AnyTopicDefinition, Map<number, Reader>>();

  constructor(options: SerdeOptions) {
    this.registry =
      options.registry instanceof RegistryClient ? options.registry : new RegistryClient(options.registry);
    this.naming = options.subjectNaming ?? 'topic-record';
    this.autoRegister = options.autoRegister ?? true;
    this.validateOnDecode = options.validateOnDecode ?? true;
  }

  /** The registry subject of an event on a topic. */
  subject(topic: string, event: AnyEventDefinition): string {
    switch (this.naming) {
      case 'topic-record':
        return `${topic}-${event.fullName}`;
      case 'record':
        return event.fullName;
      case 'topic':
        return `${topic}-value`;
      default:
        return this.naming(topic, event);
    }
  }

  /** The encoder of an event on a topic; its schema is registered (or looked up) once. */
  encoder<E extends AnyEventDefinition>(topic: AnyTopicDefinition, event: E): Promise<Encoder<E>> {
    const key = `${topic.name}\u0000${event.fullName}`;
    const cached = this.encoders.get(key);
    if (cached) return cached as Promise<Encoder<E>>;
    const subject = this.subject(topic.name, event);
    const pending = this.registry
      .idFor(subject, event.envelopeSchemaText, this.autoRegister)
      .then((schemaId) => makeEncoder<E>(event, schemaId, subject));
    this.encoders.set(key, pending as Promise<Encoder>);
    pending.catch(() => {
      if (this.encoders.get(key) === pending) this.encoders.delete(key);
    });
    return pending;
  }

  /** Encodes one envelope. */
  async encode<E extends AnyEventDefinition>(
    topic: AnyTopicDefinition,
    event: E,
    envelope: EventEnvelope<E['type'], PayloadOf<E>>,
  ): Promise<Buffer> {
    return (await this.encoder(topic, event)).encode(envelope);
  }

  /**
   * Decodes a wire-format value read from `topic`, with the writer's schema from the
   * registry and the reader's own declaration (Avro schema resolution). Typed errors:
   * BAD_MAGIC_BYTE, DECODE_FAILED, UNKNOWN_SCHEMA_ID, UNKNOWN_EVENT_TYPE,
   * SCHEMA_INCOMPATIBLE, VALIDATION_FAILED (all not retriable) and REGISTRY_UNAVAILABLE
   * (retriable).
   */
  async decode<T extends AnyTopicDefinition>(
    topic: T,
    bytes: Uint8Array | null | undefined,
  ): Promise<DecodedEvent<T['events'][number]>> {
    const schemaId = readSchemaId(bytes);
    const reader = this.readyReaders.get(topic)?.get(schemaId) ?? (await this.reader(topic, schemaId));
    return this.decodeWith(reader, schemaId, bytes as Uint8Array) as DecodedEvent<T['events'][number]>;
  }

  /**
   * `decode` without waiting: decodes now when the writer schema is already cached, returns
   * undefined when it must be fetched first (then use `decode`). Throws the same errors.
   */
  decodeCached<T extends AnyTopicDefinition>(
    topic: T,
    bytes: Uint8Array | null | undefined,
  ): DecodedEvent<T['events'][number]> | undefined {
    const schemaId = readSchemaId(bytes);
    const reader = this.readyReaders.get(topic)?.get(schemaId);
    return reader
      ? (this.decodeWith(reader, schemaId, bytes as Uint8Array) as DecodedEvent<T['events'][number]>)
      : undefined;
  }

  /**
   * The event a wire-format value carries, known from its schema id alone (no decoding), or
   * undefined while that id's writer schema is not cached (`prepare` it). The schema id is
   * part of the value, so unlike a header it cannot name another type than the bytes hold.
   * Throws what `decode` throws for a value without a wire-format header.
   */
  cachedEventOf<T extends AnyTopicDefinition>(
    topic: T,
    bytes: Uint8Array | null | undefined,
  ): T['events'][number] | undefined {
    return this.readyReaders.get(topic)?.get(readSchemaId(bytes))?.event as T['events'][number] | undefined;
  }

  /** Warms the caches for a schema id seen on a topic (used by consumers before a batch). */
  async prepare(topic: AnyTopicDefinition, schemaId: number): Promise<void> {
    if (!this.readyReaders.get(topic)?.has(schemaId)) await this.reader(topic, schemaId);
  }

  private reader(topic: AnyTopicDefinition, schemaId: number): Promise<Reader> {
    let pendingByTopic = this.readers.get(topic);
    if (!pendingByTopic) {
      pendingByTopic = new Map();
      this.readers.set(topic, pendingByTopic);
    }
    const readers = pendingByTopic;
    const cached = readers.get(schemaId);
    if (cached) return cached;
    const pending = this.buildReader(topic, schemaId).then((reader) => {
      let ready = this.readyReaders.get(topic);
      if (!ready) {
        ready = new Map();
        this.readyReaders.set(topic, ready);
      }
      ready.set(schemaId, reader);
      return reader;
    });
    readers.set(schemaId, pending);
    pending.catch((error: unknown) => {
      // Deterministic answers (an id that maps to an event this reader does not know, or
      // cannot read) stay cached; an unreachable registry is asked again next time.
      // (the registry client remembers unknown ids for a while itself).
      const transient = isKbusError(error) && (error.retriable || error.code === 'UNKNOWN_SCHEMA_ID');
      if (transient && readers.get(schemaId) === pending) readers.delete(schemaId);
    });
    return pending;
  }

  private async buildReader(topic: AnyTopicDefinition, schemaId: number): Promise<Reader> {
    const text = await this.registry.schemaById(schemaId);
    let writerSchema: { type?: string; name?: string; namespace?: string };
    let writerType: avro.Type;
    try {
      writerSchema = JSON.parse(text);
      writerType = avroType(writerSchema);
    } catch (error) {
      // Registries validate what they store: schema text that is not Avro is a faulty answer
      // (a proxy, a misrouted request), not a property of the record. Retriable, not cached.
      throw new KbusError(
        'REGISTRY_UNAVAILABLE',
        `the schema registry at ${this.registry.url} answered schema id ${schemaId} with text that is not an Avro schema ` +
          `(${(error as Error).message}); asking again later`,
        { retriable: true, cause: error, details: { schemaId } },
      );
    }
    const recordName =
      writerSchema.type === 'record' && writerSchema.name
        ? fullName(writerSchema as { name: string; namespace?: string })
        : undefined;
    const event = recordName ? (topic.eventOfRecord(recordName) as AnyEventDefinition | undefined) : undefined;
    if (!event) {
      throw new KbusError(
        'UNKNOWN_EVENT_TYPE',
        `topic "${topic.name}" carries ${recordName ?? 'a non-record schema'} (schema id ${schemaId}), which this service does not declare ` +
          `on that topic (it declares ${topic.events.map((e: AnyEventDefinition) => e.fullName).join(', ')})`,
        { details: { schemaId, recordName } },
      );
    }
    const type = event.codec.envelopeType;
    // Same canonical form (registries may re-format the text): same bytes, no resolution needed.
    if (writerType.equals(type)) return { event, type, resolver: undefined };
    try {
      return { event, type, resolver: type.createResolver(writerType) };
    } catch (error) {
      throw new KbusError(
        'SCHEMA_INCOMPATIBLE',
        `events of ${event.fullName} written with schema id ${schemaId} cannot be read with this service's version ${event.version}: ${(error as Error).message}`,
        { cause: error, details: { schemaId, recordName } },
      );
    }
  }

  private decodeWith(reader: Reader, schemaId: number, bytes: Uint8Array): DecodedEvent {
    // Read past the wire header in place: a subarray per record costs as much as a small decode.
    const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let record: Record<string, unknown>;
    try {
      const { value, offset } = reader.type.decode(buffer, WIRE_HEADER_SIZE, reader.resolver);
      if (offset < 0) throw new Error('truncated buffer');
      if (offset !== buffer.length) throw new Error(`trailing data (${buffer.length - offset} bytes)`);
      record = value as Record<string, unknown>;
    } catch (error) {
      throw new KbusError(
        'DECODE_FAILED',
        `the bytes of a ${reader.event.fullName} event (schema id ${schemaId}) do not decode: ${(error as Error).message}`,
        { cause: error, details: { schemaId } },
      );
    }
    const { event } = reader;
    if (record.type !== event.type) {
      throw new KbusError(
        'DECODE_FAILED',
        `a ${event.fullName} record says its type is "${String(record.type)}", not "${event.type}"`,
        { details: { schemaId } },
      );
    }
    const raw = event.codec.fromAvro ? event.codec.fromAvro(record.payload) : record.payload;
    record.payload = this.validateOnDecode ? parsePayload(event, raw) : raw;
    // The decoded record has exactly the envelope's fields; it is handed out as is (no copy).
    return { event, envelope: record as unknown as EnvelopeOf<AnyEventDefinition>, schemaId };
  }
}

function makeEncoder<E extends AnyEventDefinition>(event: E, schemaId: number, subject: string): Encoder<E> {
  const { envelopeType, toAvro } = event.codec;
  return {
    schemaId,
    subject,
    encode(envelope) {
      const value = toAvro ? { ...envelope, payload: toAvro(envelope.payload) } : envelope;
      let end: number;
      try {
        end = encodeInto(envelopeType, value, scratch, WIRE_HEADER_SIZE);
        if (end < 0) {
          // A negative result is how many bytes were missing.
          scratch = Buffer.allocUnsafe(scratch.length * 2 - end);
          end = encodeInto(envelopeType, value, scratch, WIRE_HEADER_SIZE);
        }
      } catch (error) {
        throw new KbusError(
          'ENCODE_FAILED',
          `a ${event.fullName} event could not be encoded: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
      const out = Buffer.allocUnsafe(end);
      scratch.copy(out, 0, 0, end);
      out[0] = MAGIC_BYTE;
      out.writeInt32BE(schemaId, 1);
      return out;
    },
  };
}

/** Creates a serde; share one per process (its caches are the point). */
export function createSerde(options: SerdeOptions): Serde {
  return new Serde(options);
}
