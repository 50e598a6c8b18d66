import {
  type AnyEventDefinition,
  type AnyTopicDefinition,
  assertCompatible,
  channels,
  checkTopicCompatibility,
  type Encoder,
  type EnvelopeMetadata,
  type EventEnvelope,
  KbusError,
  type PayloadInput,
  type PublishContext,
  type PublishManyContext,
  ValidationError,
  withinDeadline,
} from '@kbus/core';
import {
  type Admin,
  createKafkaClient,
  eventEnvelope,
  eventRecord,
  type KafkaClient,
  type OutgoingRecord,
  PartitionCounts,
  type Producer,
} from '@kbus/transport';
import { Batcher, type PendingRecord } from './batcher.ts';
import { RecordBuffer } from './buffer.ts';
import { type PublisherOptions, type ResolvedOptions, resolveOptions } from './options.ts';
import { type EnsureTopicsOptions, ensureTopics, type TopicReport } from './topics.ts';

export interface PublishOptions {
  /** The aggregate (record key). Default: the event's declared `aggregateId(payload)`. */
  readonly aggregateId?: string;
  /** Default: the event's own id (it starts a conversation). */
  readonly correlationId?: string;
  readonly causationId?: string;
  /** A stable id makes a re-publish recognisable to consumers (the outbox uses its row id). Default: random UUID. */
  readonly id?: string;
  /** When it happened. Default: now. */
  readonly occurredAt?: Date;
  /** Extra record headers (not part of the envelope). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Where the broker put a published event. */
export interface PublishResult {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly eventId: string;
  readonly aggregateId: string;
  readonly schemaId: number;
}

/** The events a publisher may publish: every event of its topics. */
export type PublishableEvent<T extends readonly AnyTopicDefinition[]> = T[number]['events'][number];

/** One item of `publishMany`, typed per event. */
export type PublishItem<T extends readonly AnyTopicDefinition[]> =
  PublishableEvent<T> extends infer E
    ? E extends AnyEventDefinition
      ? { readonly event: E; readonly payload: PayloadInput<E>; readonly options?: PublishOptions }
      : never
    : never;

/** Publishes follow-up events of one handled event: causation = its id, same correlation id. */
export interface CausedPublisher<T extends readonly AnyTopicDefinition[]> {
  publish<E extends PublishableEvent<T>>(
    event: E,
    payload: PayloadInput<E>,
    options?: PublishOptions,
  ): Promise<PublishResult>;
}

export interface Publisher<T extends readonly AnyTopicDefinition[] = readonly AnyTopicDefinition[]>
  extends AsyncDisposable {
  /**
   * Checks schema compatibility, registers schemas, reads partition counts and connects.
   * Optional (the first publish does it) and safe to call more than once.
   */
  connect(): Promise<void>;
  /** Validates (before any I/O), encodes and publishes one event; resolves when the broker acknowledged it. */
  publish<E extends PublishableEvent<T>>(
    event: E,
    payload: PayloadInput<E>,
    options?: PublishOptions,
  ): Promise<PublishResult>;
  /** Validates all, then publishes all without waiting for company; results in the order given. */
  publishMany(items: ReadonlyArray<PublishItem<T>>): Promise<PublishResult[]>;
  /** A publisher for follow-ups of a handled event. */
  causedBy(cause: Pick<EnvelopeMetadata, 'id' | 'correlationId'>): CausedPublisher<T>;
  /** Creates missing declared topics and checks existing ones against their declaration. */
  ensureTopics(options?: EnsureTopicsOptions): Promise<TopicReport[]>;
  /** Resolves when everything accepted so far is acknowledged or failed. */
  flush(): Promise<void>;
  /** Flushes, then disconnects. Later publishes fail with CLIENT_CLOSED. */
  close(): Promise<void>;
  /** Records accepted and not yet settled. */
  readonly buffered: number;
}

interface Route {
  readonly topic: AnyTopicDefinition;
  encoder: Encoder | undefined;
  partitions: number;
}

class KafkaPublisher<T extends readonly AnyTopicDefinition[]> implements Publisher<T> {
  private readonly options: ResolvedOptions;
  private readonly topicList: readonly AnyTopicDefinition[];
  private readonly kafka: KafkaClient;
  private readonly producer: Producer;
  private readonly buffer: RecordBuffer;
  private readonly batcher: Batcher;
  private readonly routes = new Map<AnyEventDefinition, Route>();
  private connecting: Promise<void> | undefined;
  private connected = false;
  private closed: Promise<void> | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private inProgress = 0;
  private idle: (() => void) | undefined;
  /** What connecting is doing now, for a timeout's message. */
  private phase = 'starting';
  /** Admin clients in use (metadata reads), closed by close() even while they wait. */
  private readonly admins = new Set<Admin>();
  /** Read at connect and every metadataMaxAgeMs (publish picks partitions from the routes' copies). */
  private readonly partitionCounts: PartitionCounts;

  constructor(publisherOptions: PublisherOptions<T>) {
    this.options = resolveOptions(publisherOptions);
    this.topicList = publisherOptions.topics;
    this.kafka = publisherOptions.kafka ?? createKafkaClient(this.options.connection);
    this.producer = this.kafka.producer(this.options.producer);
    this.partitionCounts = new PartitionCounts(
      { topics: (names) => this.readTopics(names) },
      { maxAgeMs: this.options.metadataMaxAgeMs > 0 ? this.options.metadataMaxAgeMs : Number.POSITIVE_INFINITY },
    );
    this.buffer = new RecordBuffer(this.options.maxBufferedRecords, this.options.whenFull);
    this.batcher = new Batcher(this.producer, {
      lingerMs: this.options.lingerMs,
      maxRecords: this.options.maxBatchRecords,
      maxBytes: this.options.maxBatchBytes,
      sweepEveryMs: Math.min(1_000, Math.max(10, Math.floor(this.options.deliveryTimeoutMs / 4))),
    });
    for (const [event, topic] of this.options.routes)
      this.routes.set(event, { topic, encoder: undefined, partitions: 0 });
  }

  get buffered(): number {
    return this.buffer.size;
  }

  connect(): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    if (this.connected) return Promise.resolve();
    return this.connectWithin(this.options.deliveryTimeoutMs);
  }

  /**
   * Connects, or rejects with a retriable TIMEOUT after `ms` (what is left of
   * deliveryTimeoutMs): a cluster or registry that accepts connections and never answers
   * must not hold a publish longer than it was promised. The connect itself goes on; later
   * calls wait for the same one.
   */
  private connectWithin(ms: number): Promise<void> {
    this.connecting ??= this.doConnect().then(
      () => {
        this.connected = true;
      },
      (error: unknown) => {
        // Nothing half-done is kept: the next call starts over.
        this.connecting = undefined;
        throw error;
      },
    );
    return withinDeadline(this.connecting, ms, () => {
      const { phase } = this;
      return new KbusError(
        'TIMEOUT',
        `the publisher did not connect within ${ms} ms (deliveryTimeoutMs) while ${phase}; nothing was sent`,
        { retriable: true, details: { phase, brokers: [...this.kafka.options.brokers] } },
      );
    });
  }

  private async doConnect(): Promise<void> {
    const { serde } = this.options;
    const brokers = this.kafka.options.brokers.join(', ');
    if (this.options.compatibility !== false) {
      this.phase = `checking schema compatibility with the registry at ${serde.registry.url}`;
      for (const topic of this.topicList) {
        assertCompatible(await checkTopicCompatibility(serde, topic, { level: this.options.compatibility }));
      }
    }
    this.phase = `registering schemas with the registry at ${serde.registry.url}`;
    for (const route of this.routes.values()) route.encoder = undefined;
    await Promise.all(
      [...this.routes].map(async ([event, route]) => {
        route.encoder = await serde.encoder(route.topic, event);
      }),
    );
    this.phase = `reading topic metadata from the Kafka cluster at ${brokers}`;
    await this.readPartitionCounts();
    this.phase = `connecting the producer to the Kafka cluster at ${brokers}`;
    if (this.closed) throw closedError();
    await this.producer.connect();
    // A connect given up on (its deadline passed) may finish after close(): leave nothing open.
    if (this.closed) {
      await this.producer.disconnect().catch(() => {});
      throw closedError();
    }
    this.phase = 'connected';
    if (this.options.metadataMaxAgeMs > 0) {
      this.refreshTimer = setInterval(() => {
        this.readPartitionCounts().catch(() => {
          // Keep the counts we have; the next refresh tries again.
        });
      }, this.options.metadataMaxAgeMs);
      this.refreshTimer.unref();
    }
  }

  private async readPartitionCounts(): Promise<void> {
    let counts: Map<string, number>;
    try {
      counts = await this.partitionCounts.refresh(this.topicList.map((t) => t.name));
    } catch (error) {
      if (error instanceof KbusError && error.code === 'TOPIC_NOT_FOUND') {
        throw new KbusError(
          'TOPIC_NOT_FOUND',
          `${error.message}. Create them first: publisher.ensureTopics() creates declared topics, or use your infrastructure tooling ` +
            '(the SDK does not rely on broker auto-creation).',
          { cause: error, details: error.details },
        );
      }
      throw error;
    }
    for (const route of this.routes.values()) route.partitions = counts.get(route.topic.name) ?? 0;
  }

  /** Topic metadata through an admin of its own, closed by close() if still open. */
  private async readTopics(names: readonly string[]) {
    const admin = this.kafka.admin();
    this.admins.add(admin);
    try {
      await admin.connect();
      return await admin.topics(names);
    } finally {
      this.admins.delete(admin);
      await admin.disconnect();
    }
  }

  publish<E extends PublishableEvent<T>>(
    event: E,
    payload: PayloadInput<E>,
    options: PublishOptions = {},
  ): Promise<PublishResult> {
    let prepared: Prepared;
    try {
      prepared = this.prepare(event, payload, options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.track(this.traced(prepared, (p) => this.submit(p)));
  }

  async publishMany(items: ReadonlyArray<PublishItem<T>>): Promise<PublishResult[]> {
    // Validate everything first: one bad item sends nothing.
    const prepared = (items as ReadonlyArray<UntypedItem>).map((item, index) => {
      try {
        return this.prepare(item.event, item.payload, item.options ?? {});
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        throw new ValidationError(`${item.event.type} (publishMany item ${index})`, error.issues, error);
      }
    });
    const connecting = this.whenConnected(Date.now() + this.options.deliveryTimeoutMs);
    if (connecting) await connecting;
    const submit = (traced: Prepared) => this.submit(traced);
    let all: Promise<PublishResult[]>;
    if (
      !channels.publish.hasSubscribers &&
      !channels.publishMany.hasSubscribers &&
      this.buffer.tryAcquire(prepared.length)
    ) {
      all = this.enqueueAll(prepared);
    } else if (channels.publishMany.hasSubscribers) {
      const batch: PublishManyContext = {
        records: prepared.length,
        topics: [...new Set(prepared.map((p) => p.route.topic.name))],
      };
      all = channels.publishMany.tracePromise(
        () => Promise.all(prepared.map((p) => this.traced(p, submit, batch))),
        batch,
      );
    } else {
      all = Promise.all(prepared.map((p) => this.traced(p, submit)));
    }
    this.track(all);
    this.batcher.flushSoon();
    return all;
  }

  causedBy(cause: Pick<EnvelopeMetadata, 'id' | 'correlationId'>): CausedPublisher<T> {
    return {
      publish: (event, payload, options = {}) =>
        this.publish(event, payload, { ...options, causationId: cause.id, correlationId: cause.correlationId }),
    };
  }

  async ensureTopics(options: EnsureTopicsOptions = {}): Promise<TopicReport[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await ensureTopics(admin, this.topicList, options);
    } finally {
      await admin.disconnect();
    }
  }

  async flush(): Promise<void> {
    if (this.inProgress === 0) return;
    await new Promise<void>((resolve) => {
      const previous = this.idle;
      this.idle = () => {
        previous?.();
        resolve();
      };
      this.batcher.flushSoon();
    });
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      await this.flush();
      await this.batcher.drain();
      if (this.refreshTimer) clearInterval(this.refreshTimer);
      // A connect still waiting on a silent cluster is given up, not waited for: the client
      // closes those connections once their request times out (requestTimeoutMs).
      for (const admin of this.admins) admin.disconnect().catch(() => {});
      await this.producer.disconnect();
    })();
    return this.closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Synchronous part of a publish: checks, validation and the envelope; no I/O. */
  private prepare(event: AnyEventDefinition, payload: unknown, options: PublishOptions): Prepared {
    if (this.closed) throw closedError();
    const route = this.routes.get(event);
    if (!route) {
      const declared = [...this.routes.keys()].map((e) => e.type).join(', ');
      throw new KbusError(
        'UNKNOWN_EVENT_TYPE',
        `"${(event as AnyEventDefinition | undefined)?.type ?? String(event)}" is not declared on any topic of this publisher (declared: ${declared})`,
        { details: { eventType: (event as AnyEventDefinition | undefined)?.type } },
      );
    }
    const envelope = eventEnvelope(event, payload, { source: this.options.source, ...options });
    return { route, envelope, headers: options.headers };
  }

  private traced(
    prepared: Prepared,
    run: (prepared: Prepared) => Promise<PublishResult>,
    batch?: PublishManyContext,
  ): Promise<PublishResult> {
    if (!channels.publish.hasSubscribers) return run(prepared);
    const { envelope } = prepared;
    const context: PublishContext = {
      topic: prepared.route.topic.name,
      eventType: envelope.type,
      eventId: envelope.id,
      aggregateId: envelope.aggregateId,
      correlationId: envelope.correlationId,
      carrier: {},
      ...(batch ? { batch } : {}),
    };
    const started = performance.now();
    return channels.publish.tracePromise(async () => {
      try {
        // What a tracer wrote in `start` (its trace context) travels with the record.
        const { carrier } = context;
        const result = await run(
          Object.keys(carrier).length === 0 ? prepared : { ...prepared, headers: { ...prepared.headers, ...carrier } },
        );
        context.partition = result.partition;
        context.offset = result.offset;
        return result;
      } finally {
        context.durationMs = performance.now() - started;
      }
    }, context);
  }

  private track<R>(promise: Promise<R>): Promise<R> {
    this.inProgress++;
    const done = () => {
      this.inProgress--;
      if (this.inProgress === 0 && this.idle) {
        const idle = this.idle;
        this.idle = undefined;
        idle();
      }
    };
    promise.then(done, done);
    return promise;
  }

  /** Undefined when connected; else the connect, bounded by a record's delivery deadline. */
  private whenConnected(deadline: number): Promise<void> | undefined {
    if (this.connected) return undefined;
    if (this.closed) return Promise.reject(closedError());
    return this.connectWithin(Math.max(1, deadline - Date.now()));
  }

  /**
   * Takes a buffer slot and hands the record to the batcher; synchronous in the steady
   * state (connected, room in the buffer), which is what makes bulk publishing cheap.
   */
  private submit(prepared: Prepared): Promise<PublishResult> {
    const accepted = Date.now();
    let slot: Promise<void> | undefined;
    try {
      slot = this.buffer.acquire();
    } catch (error) {
      return Promise.reject(error);
    }
    if (!slot && this.connected) return this.enqueue(prepared, accepted);
    return (async () => {
      if (slot) await slot;
      try {
        const connecting = this.whenConnected(accepted + this.options.deliveryTimeoutMs);
        if (connecting) await connecting;
      } catch (error) {
        this.buffer.release();
        throw error;
      }
      return this.enqueue(prepared, accepted);
    })();
  }

  /** The record of an event: encoded value, key, partition and headers (throws if it cannot be encoded). */
  private recordOf({ route, envelope, headers }: Prepared): OutgoingRecord {
    return eventRecord(envelope, route.encoder as Encoder, route.partitions, {
      headerSet: this.options.headers,
      extraHeaders: headers,
    });
  }

  /** Encodes and queues one record that holds a buffer slot; the slot is released when it settles. */
  private enqueue(prepared: Prepared, accepted: number): Promise<PublishResult> {
    let record: OutgoingRecord;
    try {
      record = this.recordOf(prepared);
    } catch (error) {
      this.buffer.release();
      return Promise.reject(error);
    }
    const { route } = prepared;
    return new Promise<PublishResult>((resolve, reject) => {
      this.batcher.add({
        topic: route.topic.name,
        record,
        bytes: bytesOf(record),
        deadline: accepted + this.options.deliveryTimeoutMs,
        settled: false,
        resolve: (ack) => {
          this.buffer.release();
          resolve(resultOf(prepared, ack));
        },
        reject: (error) => {
          this.buffer.release();
          reject(error);
        },
      });
    });
  }

  /**
   * publishMany's path when every record has a buffer slot already and nobody traces single
   * publishes: one promise for the call instead of one per record. Everything is encoded
   * before anything is queued, so a record that cannot be encoded sends nothing.
   */
  private enqueueAll(prepared: readonly Prepared[]): Promise<PublishResult[]> {
    // Nothing to settle the call: an empty call answers at once.
    if (prepared.length === 0) return Promise.resolve([]);
    let records: OutgoingRecord[];
    try {
      records = prepared.map((p) => this.recordOf(p));
    } catch (error) {
      for (let i = 0; i < prepared.length; i++) this.buffer.release();
      return Promise.reject(error);
    }
    const { promise, resolve, reject } = Promise.withResolvers<PublishResult[]>();
    const call: BulkCall = {
      results: new Array(prepared.length),
      left: prepared.length,
      failed: false,
      buffer: this.buffer,
      resolve,
      reject,
    };
    const deadline = Date.now() + this.options.deliveryTimeoutMs;
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as OutgoingRecord;
      this.batcher.add(new BulkRecord(call, i, prepared[i] as Prepared, record, deadline));
    }
    return promise;
  }
}

const bytesOf = (record: OutgoingRecord) => (record.value?.length ?? 0) + (record.key?.length ?? 0);

function resultOf({ route, envelope }: Prepared, ack: { partition: number; offset: string }): PublishResult {
  return {
    topic: route.topic.name,
    partition: ack.partition,
    offset: ack.offset,
    eventId: envelope.id,
    aggregateId: envelope.aggregateId,
    schemaId: (route.encoder as Encoder).schemaId,
  };
}

/** One publishMany call on the bulk path: its results so far and the promise it settles. */
interface BulkCall {
  readonly results: PublishResult[];
  left: number;
  failed: boolean;
  readonly buffer: RecordBuffer;
  resolve(results: PublishResult[]): void;
  reject(error: unknown): void;
}

/** A record of a bulk call: settles its slot of the call (no promise or closures of its own). */
class BulkRecord implements PendingRecord {
  settled = false;
  readonly topic: string;
  readonly record: OutgoingRecord;
  readonly bytes: number;
  readonly deadline: number;
  private readonly call: BulkCall;
  private readonly index: number;
  private readonly prepared: Prepared;

  constructor(call: BulkCall, index: number, prepared: Prepared, record: OutgoingRecord, deadline: number) {
    this.call = call;
    this.index = index;
    this.prepared = prepared;
    this.topic = prepared.route.topic.name;
    this.record = record;
    this.bytes = bytesOf(record);
    this.deadline = deadline;
  }

  resolve(ack: { partition: number; offset: string }): void {
    const { call } = this;
    call.buffer.release();
    call.results[this.index] = resultOf(this.prepared, ack);
    if (--call.left === 0 && !call.failed) call.resolve(call.results);
  }

  reject(error: unknown): void {
    const { call } = this;
    call.buffer.release();
    call.left--;
    // As Promise.all: the first failure answers the call; the other records still settle.
    if (!call.failed) {
      call.failed = true;
      call.reject(error);
    }
  }
}

/** PublishItem<T> as seen inside the generic class (a conditional type does not resolve there). */
interface UntypedItem {
  readonly event: AnyEventDefinition;
  readonly payload: unknown;
  readonly options?: PublishOptions;
}

interface Prepared {
  readonly route: Route;
  readonly envelope: EventEnvelope;
  readonly headers: Readonly<Record<string, string>> | undefined;
}

function closedError(): KbusError {
  return new KbusError('CLIENT_CLOSED', 'the publisher was closed; create a new one to publish again');
}

/**
 * Creates a publisher for the given topics. Durable by default: idempotent producer,
 * acks = all, and a publish resolves only once the broker acknowledged it.
 *
 * @example
 * const publisher = createPublisher({
 *   brokers: ['localhost:9092'],
 *   registry: { url: 'http://localhost:8081' },
 *   topics: [UserAccountTopic],
 *   clientId: 'auth-service',
 * });
 * const { partition, offset } = await publisher.publish(UserAccountCreated, { accountId, email });
 */
export function createPublisher<const T extends readonly AnyTopicDefinition[]>(
  options: PublisherOptions<T>,
): Publisher<T> {
  return new KafkaPublisher(options);
}
