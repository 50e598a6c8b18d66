/**
 * The producer on @platformatic/kafka, behind the same `Producer` interface as the kafkajs
 * one, and the SDK's default producer: kafkajs is unmaintained, spends about twice as long
 * encoding each record, and can write a retried send twice when a broker dies under it.
 * `producer: { client: 'kafkajs' }` (or the client's `producerClient`) goes back to kafkajs.
 * The library is loaded when a producer connects.
 */
import { isKbusError, KbusError, registerSecret, withinDeadline } from '@kbus/core';
import { isTlsErrorCode } from '@kbus/core/internal';
import type { ProducerOptions as PlatformaticOptions, Producer as PlatformaticProducer } from '@platformatic/kafka';
import { type ClientFailure, closedAtFirstRequest, toKbusError } from './errors.ts';
import { tlsSettings } from './security.ts';
import type {
  ClientOptions,
  OAuthBearerToken,
  OutgoingRecord,
  PartitionAck,
  Producer,
  ProducerOptions,
  TopicRecords,
} from './types.ts';

type Library = typeof import('@platformatic/kafka');

let library: Promise<Library> | undefined;

function load(): Promise<Library> {
  library ??= import('@platformatic/kafka').catch((error: unknown) => {
    library = undefined;
    throw new KbusError(
      'INVALID_CONFIGURATION',
      "producer client 'platformatic' needs the @platformatic/kafka package (a dependency of @kbus/transport): " +
        "reinstall dependencies, or set producer: { client: 'kafkajs' }",
      { cause: error },
    );
  });
  return library;
}

interface PlatformaticErrorLike {
  code?: string;
  message?: string;
  apiId?: string;
  canRetry?: boolean;
  errors?: unknown[];
  cause?: unknown;
}

/** Errors of a failed operation: the error itself, then what it aggregates and wraps, breadth first. */
function* tree(error: unknown): Generator<PlatformaticErrorLike> {
  const queue = [error];
  for (let seen = 0; seen < queue.length && seen < 50; seen++) {
    const next = queue[seen] as PlatformaticErrorLike | undefined;
    if (!next || typeof next !== 'object') continue;
    yield next;
    if (Array.isArray(next.errors)) queue.push(...next.errors);
    if (next.cause) queue.push(next.cause);
  }
}

const RETRIABLE_CODES = new Set(['PLT_KFK_NETWORK', 'PLT_KFK_TIMEOUT']);

/**
 * Reads a @platformatic/kafka failure: the broker's protocol error where there is one (its
 * `canRetry` decides), else a network failure or timeout (retriable) or a usage error (not).
 */
export function platformaticFailure(error: unknown): ClientFailure {
  const top = error as PlatformaticErrorLike;
  let protocol: PlatformaticErrorLike | undefined;
  let transient = false;
  let security: ClientFailure['security'];
  let detail: string | undefined;
  let authentication = false;
  for (const e of tree(error)) {
    if (!protocol && typeof e.apiId === 'string') protocol = e;
    if (e.code && RETRIABLE_CODES.has(e.code)) transient = true;
    if (e.code === 'PLT_KFK_AUTHENTICATION') authentication = true;
    // The library notices a TLS listener answering a plain-text client and says so.
    const plainAgainstTls = e.code === 'PLT_KFK_USER' && e.message === 'Broker requires TLS.';
    if (!security && (isTlsErrorCode(e.code) || plainAgainstTls)) {
      security = 'tls';
      detail = plainAgainstTls ? 'the broker requires TLS and ssl is not set' : e.message;
    }
  }
  // SASL over a connection whose TLS failed fails too: the TLS failure is the one to report.
  if (!security && authentication) security = 'authentication';
  if (security) {
    return {
      kafkaType: undefined,
      message: detail ?? protocol?.message ?? top?.message ?? String(error),
      retriable: false,
      clientError: top?.code,
      security,
    };
  }
  const message = top?.message ?? String(error);
  // The library reports a topic its metadata request did not find as a usage error that
  // keeps only the message (the broker's UNKNOWN_TOPIC_OR_PARTITION is not attached).
  const missingTopic = !protocol && top?.code === 'PLT_KFK_USER' && message.startsWith('Unknown topic ');
  return {
    kafkaType: missingTopic ? 'UNKNOWN_TOPIC_OR_PARTITION' : protocol?.apiId,
    message: protocol && protocol !== top ? `${message} (${protocol.apiId}: ${protocol.message})` : message,
    retriable: protocol ? protocol.canRetry === true : transient,
    clientError: top?.code,
    connection: !protocol && transient,
  };
}

/** The connection closed before the broker answered (with SASL, the library reports it as a failed handshake). */
function closedEarly(error: unknown): boolean {
  for (const e of tree(error)) if (e.code === 'PLT_KFK_NETWORK' && e.message === 'Connection closed') return true;
  return false;
}

const SASL = {
  plain: 'PLAIN',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
  oauthbearer: 'OAUTHBEARER',
} as const;

/** The client's SASL settings in the library's terms (a token provider for OAUTHBEARER). */
function saslSettings(
  sasl: NonNullable<ClientOptions['sasl']>,
): NonNullable<PlatformaticOptions<Buffer, Buffer, Buffer, Buffer>['sasl']> {
  if (sasl.mechanism === 'oauthbearer') {
    // The library asks for the token and, separately, for the extensions: one provider call serves both.
    let last: Promise<OAuthBearerToken> | undefined;
    return {
      mechanism: SASL.oauthbearer,
      token: async () => {
        last = Promise.resolve(sasl.token());
        const { value } = await last;
        registerSecret(value);
        return value;
      },
      oauthBearerExtensions: async () => ({ ...((await last)?.extensions ?? {}) }),
    };
  }
  return { mechanism: SASL[sasl.mechanism], username: sasl.username, password: sasl.password };
}

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

/**
 * Asks the cluster for a group's coordinator and returns the broker's refusal as a KbusError,
 * or undefined if it answers. kafkajs swallows FindCoordinator's answer (an authorization
 * failure becomes "failed to find group coordinator"); this asks again on this library.
 */
export async function groupCoordinatorRefusal(client: ClientOptions, groupId: string): Promise<KbusError | undefined> {
  const { Admin } = await load();
  const admin = new Admin({
    clientId: (client.clientId ?? 'kbus').replace(/\s/g, '-'),
    bootstrapBrokers: [...client.brokers],
    connectTimeout: client.connectionTimeoutMs ?? 3_000,
    retries: false,
    ...(client.ssl ? { tls: client.ssl === true ? {} : tlsSettings(client.ssl) } : {}),
    ...(client.sasl ? { sasl: saslSettings(client.sasl) } : {}),
  });
  try {
    await admin.findCoordinator({ keyType: 0, keys: [groupId] });
    return undefined;
  } catch (error) {
    return toKbusError(
      platformaticFailure(error),
      error,
      `finding the coordinator of group ${groupId}`,
      'KAFKA_ERROR',
      {
        group: groupId,
      },
    );
  } finally {
    await admin.close().catch(() => {});
  }
}
