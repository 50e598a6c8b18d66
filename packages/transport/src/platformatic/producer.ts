/**
 * The producer on @platformatic/kafka, behind the same `Producer` interface as the kafkajs
 * one, and the SDK's default producer: kafkajs is unmaintained, spends about twice as long
 * encoding each record, and can write a retried send twice when a broker dies under it.
 * `producer: { client: 'kafkajs' }` (or the client's `producerClient`) goes back to kafkajs.
 * The library is loaded when a producer connects.
 */
import { isKbusError, KbusError, withinDeadline } from '@kbus/core';
import type { ProducerOptions as PlatformaticOptions, Producer as PlatformaticProducer } from '@platformatic/kafka';
import { closedAtFirstRequest, toKbusError } from '../errors.ts';
import { tlsSettings } from '../security.ts';
import type { ClientOptions, OutgoingRecord, PartitionAck, Producer, ProducerOptions, TopicRecords } from '../types.ts';
import { load, saslSettings } from './config.ts';
import { closedEarly, platformaticFailure } from './errors.ts';

/** Record keys the SDK gives as strings go on the wire as UTF-8. */
const toBytes = (value: unknown): Buffer | undefined =>
  typeof value === 'string' ? Buffer.from(value, 'utf8') : (value as Buffer | undefined);

/**
 * Header names repeat on every record (ce_id, ce_type…), and some values do from one record
 * to the next (ce_type in a batch of one event type): their bytes are made once. Per name,
 * the last value's bytes are kept; the cache is bounded by the number of names.
 */
interface HeaderBytes {
  readonly name: Buffer;
  lastValue: string;
  lastBytes: Buffer;
}

const headerBytes = new Map<string, HeaderBytes>();
const EMPTY = Buffer.alloc(0);

function headerEntry(name: string): HeaderBytes {
  let entry = headerBytes.get(name);
  if (!entry) {
    entry = { name: Buffer.from(name, 'utf8'), lastValue: '', lastBytes: EMPTY };
    // Bounded: names are few in practice; past this, new ones are simply not kept.
    if (headerBytes.size < 1_000) headerBytes.set(name, entry);
  }
  return entry;
}

function headerValue(entry: HeaderBytes, value: string | Buffer | undefined): Buffer {
  if (typeof value !== 'string') return value ?? EMPTY;
  if (value !== entry.lastValue) {
    entry.lastValue = value;
    entry.lastBytes = Buffer.from(value, 'utf8');
  }
  return entry.lastBytes;
}

type Message = Parameters<PlatformaticProducer<Buffer, Buffer, Buffer, Buffer>['send']>[0]['messages'][number];

function messageOf(topic: string, record: OutgoingRecord): Message {
  let headers: Map<Buffer, Buffer> | undefined;
  if (record.headers) {
    headers = new Map();
    for (const name in record.headers) {
      const entry = headerEntry(name);
      headers.set(entry.name, headerValue(entry, record.headers[name]));
    }
  }
  const message: Message = {
    topic,
    key: toBytes(record.key) as Buffer,
    value: record.value as Buffer,
    partition: record.partition,
  };
  if (headers) message.headers = headers;
  if (record.timestamp !== undefined) message.timestamp = BigInt(record.timestamp);
  return message;
}

export class PlatformaticProducerAdapter implements Producer {
  private producer: PlatformaticProducer<Buffer, Buffer, Buffer, Buffer> | undefined;
  /** The producer being opened: closed by disconnect() too, so giving up on a connect releases it. */
  private opening: PlatformaticProducer<Buffer, Buffer, Buffer, Buffer> | undefined;
  private connecting: Promise<void> | undefined;
  private readonly settings: PlatformaticOptions<Buffer, Buffer, Buffer, Buffer>;
  private readonly client: ClientOptions;
  private readonly brokers: readonly string[];
  /** Bound of connecting: one connection timeout plus one request timeout. */
  private readonly connectBoundMs: number;

  constructor(client: ClientOptions, options: ProducerOptions) {
    this.client = client;
    this.brokers = client.brokers;
    this.connectBoundMs =
      (client.connectionTimeoutMs ?? 3_000) + (options.ackTimeoutMs ?? client.requestTimeoutMs ?? 30_000);
    if (options.transactionalId) {
      throw new KbusError(
        'INVALID_CONFIGURATION',
        "transactional producers use kafkajs: set producer: { client: 'kafkajs' } (the default when transactionalId is set)",
      );
    }
    const retries = options.retries ?? 10;
    const initial = options.initialRetryTimeMs ?? 100;
    const max = options.maxRetryTimeMs ?? 5_000;
    this.settings = {
      clientId: (client.clientId ?? 'kbus').replace(/\s/g, '-'),
      bootstrapBrokers: [...client.brokers],
      connectTimeout: client.connectionTimeoutMs ?? 3_000,
      timeout: options.ackTimeoutMs ?? client.requestTimeoutMs ?? 30_000,
      idempotent: options.idempotent ?? true,
      acks: options.acks ?? -1,
      // The library reads a numeric 0 or 1 as "unlimited" for idempotent producers; false is none.
      retries: retries === 0 ? false : retries,
      // Exponential back-off, as kafkajs: 100 ms, 200 ms, 400 ms… up to maxRetryTimeMs.
      retryDelay: (_client: unknown, _operation: string, attempt: number) =>
        Math.min(max, initial * 2 ** Math.max(0, attempt - 1)),
      autocreateTopics: false,
      // The library refreshes leaders between retries only after network errors; a broker
      // that answers "not the leader" is retried as is. Metadata older than a second is
      // re-read before each attempt, so retries after a leader change reach the new leader.
      metadataMaxAge: 1_000,
      compression: options.compression === 'gzip' ? 'gzip' : 'none',
      ...(client.ssl ? { tls: client.ssl === true ? {} : tlsSettings(client.ssl) } : {}),
      ...(client.sasl ? { sasl: saslSettings(client.sasl) } : {}),
    } as PlatformaticOptions<Buffer, Buffer, Buffer, Buffer>;
  }

  connect(): Promise<void> {
    this.connecting ??= this.open().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  private async open(): Promise<void> {
    const { Producer } = await load();
    const producer = new Producer<Buffer, Buffer, Buffer, Buffer>({ ...this.settings });
    this.opening = producer;
    try {
      // The library connects lazily; asking for cluster metadata proves the brokers answer.
      // It retries that request without an overall bound (a broker that accepts connections
      // and never answers kept it waiting for minutes): bounded here.
      await withinDeadline(producer.metadata({ topics: [] }), this.connectBoundMs, () => {
        return new KbusError(
          'KAFKA_ERROR',
          `connecting the producer: no answer from the Kafka broker(s) at ${this.brokers.join(', ')} within ${this.connectBoundMs} ms ` +
            '(connection + request timeout); check that the address is a Kafka listener reachable from here',
          { retriable: true, details: { brokers: [...this.brokers] } },
        );
      });
    } catch (error) {
      await producer.close(true).catch(() => {});
      if (isKbusError(error)) throw error;
      throw this.client.ssl || !closedEarly(error)
        ? toKbusError(platformaticFailure(error), error, 'connecting the producer', 'KAFKA_ERROR', {
            brokers: this.brokers,
          })
        : closedAtFirstRequest(error, 'connecting the producer');
    } finally {
      if (this.opening === producer) this.opening = undefined;
    }
    this.producer = producer;
  }

  async send(batch: readonly TopicRecords[]): Promise<PartitionAck[]> {
    if (!this.producer) await this.connect();
    const producer = this.producer as PlatformaticProducer<Buffer, Buffer, Buffer, Buffer>;
    const messages: Message[] = [];
    for (const { topic, records } of batch) for (const record of records) messages.push(messageOf(topic, record));
    let result: Awaited<ReturnType<typeof producer.send>>;
    try {
      result = await producer.send({ messages });
    } catch (error) {
      // After a failed send the library starts over with a new producer id (fresh sequence
      // numbers), as the kafkajs adapter does; this send may be partly written.
      const topics = batch.map((b) => b.topic);
      throw toKbusError(
        platformaticFailure(error),
        error,
        `sending records to ${topics.join(', ')}`,
        'PUBLISH_FAILED',
        {
          topics,
          brokers: this.brokers,
        },
      );
    }
    return (result.offsets ?? []).map((o) => ({
      topic: o.topic,
      partition: o.partition,
      baseOffset: String(o.offset),
    }));
  }

  async disconnect(): Promise<void> {
    const producer = this.producer;
    const opening = this.opening;
    this.producer = undefined;
    this.opening = undefined;
    this.connecting = undefined;
    // A connect still under way is given up: its connections are closed now.
    await opening?.close(true).catch(() => {});
    await producer?.close();
  }
}
