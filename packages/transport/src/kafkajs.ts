import { setTimeout as sleep } from 'node:timers/promises';
import { KbusError, redactValue, registerSecret } from '@kbus/core';
import { parseOptions } from '@kbus/core/options';
import {
  CompressionTypes,
  type EachBatchPayload,
  Kafka,
  type KafkaConfig,
  type Admin as KafkaJsAdmin,
  type Consumer as KafkaJsConsumer,
  type Producer as KafkaJsProducer,
  logLevel,
  type Message,
  Partitioners,
  type SASLOptions,
} from 'kafkajs';
import { closedAtFirstRequest, type FailureContext, fromClientError } from './errors.ts';
import { clientOptionsSchema, consumerOptionsSchema, producerOptionsSchema } from './options.ts';
import { groupCoordinatorRefusal, PlatformaticProducerAdapter } from './platformatic.ts';
import { guardStoppedRunnerFetch } from './runner-guard.ts';
import { tlsSettings } from './security.ts';
import type {
  Admin,
  Assignment,
  BatchContext,
  ClientOptions,
  ConsumedRecord,
  Consumer,
  ConsumerEvents,
  ConsumerOptions,
  KafkaClient,
  OffsetToCommit,
  OutgoingRecord,
  PartitionAck,
  Producer,
  ProducerOptions,
  TopicRecords,
} from './types.ts';

const LOG_LEVELS = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
} as const;

/** The secrets of a client's configuration, registered with the redaction rule. */
function registerSecrets(options: ClientOptions): void {
  if (options.sasl && 'password' in options.sasl) registerSecret(options.sasl.password);
  if (options.ssl && typeof options.ssl === 'object') {
    for (const name of ['key', 'passphrase', 'pfx']) {
      const value = (options.ssl as Record<string, unknown>)[name];
      for (const item of Array.isArray(value) ? value : [value]) {
        const secret = (item as { pem?: unknown; buf?: unknown; passphrase?: unknown } | undefined) ?? undefined;
        registerSecret(item);
        if (secret && typeof secret === 'object') {
          registerSecret(secret.pem);
          registerSecret(secret.buf);
          registerSecret(secret.passphrase);
        }
      }
    }
  }
}

function kafkaConfig(options: ClientOptions): KafkaConfig {
  registerSecrets(options);
  if (options.brokers.length === 0) {
    throw new KbusError(
      'INVALID_CONFIGURATION',
      'no Kafka brokers given: pass brokers: ["host:9092", …] (or set KAFKA_BROKERS)',
    );
  }
  return {
    clientId: options.clientId ?? 'kbus',
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    logLevel: LOG_LEVELS[options.logLevel ?? 'nothing'],
    // Every log line goes through the redaction rule, to the user's logger or the console.
    logCreator:
      () =>
      ({ namespace, level, log }: { namespace: string; level: logLevel; log: { message: string } }) => {
        const entry = redactValue({
          ...log,
          level: logLevel[level] ?? String(level),
          namespace,
          message: log.message,
        }) as { level: string; namespace: string; message: string; [key: string]: unknown };
        if (options.logger) options.logger(entry);
        else console.log(JSON.stringify(entry));
      },
    ...(options.ssl === undefined || options.ssl === false
      ? {}
      : { ssl: options.ssl === true ? true : tlsSettings(options.ssl) }),
    ...(options.sasl === undefined ? {} : { sasl: kafkaJsSasl(options.sasl) }),
  };
}

function kafkaJsSasl(sasl: NonNullable<ClientOptions['sasl']>): SASLOptions {
  if (sasl.mechanism !== 'oauthbearer') return { ...sasl };
  return {
    mechanism: 'oauthbearer',
    oauthBearerProvider: async () => {
      const token = await sasl.token();
      registerSecret(token.value);
      return { value: token.value, ...(token.extensions ? { extensions: { ...token.extensions } } : {}) };
    },
  } as SASLOptions;
}

/** Connecting: a connection closed at the first request, without TLS, probably met a TLS listener. */
function connectFailure(error: unknown, what: string, options: ClientOptions, resource: FailureContext = {}) {
  const mapped = fromClientError(error, what, 'KAFKA_ERROR', { brokers: options.brokers, ...resource });
  const closedAtOnce = (error as { cause?: { name?: string } })?.cause?.name === 'KafkaJSConnectionClosedError';
  return !options.ssl && closedAtOnce && mapped.code === 'KAFKA_ERROR' ? closedAtFirstRequest(error, what) : mapped;
}

/**
 * Answers that mean the broker no longer accepts this producer's idempotence state (a batch
 * it never received left a gap in the sequence numbers, typically after a send timed out
 * during an outage). kafkajs cannot recover from them; a fresh producer id can (what
 * Java's client does by bumping the epoch, KIP-360).
 */
const PRODUCER_STATE_LOST = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH']);

class KafkaJsProducerAdapter implements Producer {
  private producer: KafkaJsProducer;
  private stale = false;
  private readonly makeProducer: () => KafkaJsProducer;
  private readonly acks: -1 | 0 | 1;
  private readonly timeout: number;
  private readonly compression: CompressionTypes;
  private readonly client: ClientOptions;
  private readonly brokers: readonly string[];
  private readonly transactionalId: string | undefined;

  constructor(kafka: Kafka, options: ProducerOptions, client: ClientOptions) {
    this.client = client;
    this.brokers = client.brokers;
    this.transactionalId = options.transactionalId;
    const idempotent = options.idempotent ?? true;
    this.acks = options.acks ?? -1;
    this.timeout = options.ackTimeoutMs ?? 30_000;
    this.compression = options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    this.makeProducer = () =>
      kafka.producer({
        idempotent,
        // Idempotence in kafkajs is only safe with one request in flight.
        maxInFlightRequests: idempotent ? 1 : 5,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        ...(options.transactionalId ? { transactionalId: options.transactionalId } : {}),
        retry: {
          retries: options.retries ?? 10,
          initialRetryTime: options.initialRetryTimeMs ?? 100,
          maxRetryTime: options.maxRetryTimeMs ?? 5_000,
        },
      });
    this.producer = this.makeProducer();
  }

  /** Replaces the kafkajs producer with a new one (a new producer id and fresh sequences). */
  private async renew(): Promise<void> {
    const old = this.producer;
    this.producer = this.makeProducer();
    await old.disconnect().catch(() => {});
    await this.connect();
    this.stale = false;
  }

  async connect(): Promise<void> {
    try {
      await this.producer.connect();
    } catch (error) {
      throw connectFailure(
        error,
        'connecting the producer',
        this.client,
        this.transactionalId ? { transactionalId: this.transactionalId } : {},
      );
    }
  }

  async send(batch: readonly TopicRecords[]): Promise<PartitionAck[]> {
    // After a failed send the broker may hold part of it that kafkajs counted as not sent
    // (or the reverse): its sequence numbers can no longer be trusted. Start the next send
    // from a fresh producer id, as Java's client bumps its epoch after an expired batch.
    if (this.stale) await this.renew();
    try {
      return await this.sendAll(batch);
    } catch (error) {
      this.stale = true;
      throw error;
    }
  }

  private async sendAll(batch: readonly TopicRecords[]): Promise<PartitionAck[]> {
    const acks: PartitionAck[] = [];
    let pending = batch;
    // kafkajs 2.2.4, retrying after a leader change, re-sends only to brokers that had not
    // answered yet: partitions that moved to a broker which already answered are left out
    // of both the request and the result (the records were not sent). Send those again;
    // the idempotent producer de-duplicates if a lost leader had written them after all.
    for (let round = 0; round < 5 && pending.length > 0; round++) {
      let answered: PartitionAck[];
      try {
        answered = await this.sendOnce(pending);
      } catch (error) {
        const kafkaType = String((error as KbusError).details?.kafkaType);
        if (!PRODUCER_STATE_LOST.has(kafkaType)) throw error;
        // The next send goes through a fresh producer. This one fails: other partitions of
        // the same send may have been written, so re-sending it here could duplicate them.
        throw new KbusError(
          'PUBLISH_FAILED',
          `the broker refused the producer's sequence (${kafkaType}) after an earlier send was lost; ` +
            'the next send uses a fresh producer; this one may be partly written: publishing it again can duplicate events',
          { retriable: true, cause: error, details: { kafkaType } },
        );
      }
      acks.push(...answered);
      const done = new Map<string, Set<number>>();
      for (const a of answered) {
        const partitions = done.get(a.topic);
        if (partitions) partitions.add(a.partition);
        else done.set(a.topic, new Set([a.partition]));
      }
      const left = (topic: string, r: OutgoingRecord) => !done.get(topic)?.has(r.partition);
      // The usual case: every partition answered, nothing to send again.
      if (!pending.some(({ topic, records }) => records.some((r) => left(topic, r)))) {
        pending = [];
        break;
      }
      pending = pending
        .map(({ topic, records }) => ({ topic, records: records.filter((r) => left(topic, r)) }))
        .filter(({ records }) => records.length > 0);
    }
    if (pending.length > 0) {
      const missing = pending.flatMap(({ topic, records }) => [
        ...new Set(records.map((r) => `${topic}[${r.partition}]`)),
      ]);
      throw new KbusError(
        'PUBLISH_FAILED',
        `the cluster did not acknowledge ${missing.join(', ')} after several sends`,
        {
          retriable: true,
        },
      );
    }
    return acks;
  }

  private async sendOnce(batch: readonly TopicRecords[]): Promise<PartitionAck[]> {
    let result: Awaited<ReturnType<KafkaJsProducer['sendBatch']>>;
    try {
      result = await this.producer.sendBatch({
        acks: this.acks,
        timeout: this.timeout,
        compression: this.compression,
        // An OutgoingRecord has the shape of a kafkajs Message, which kafkajs only reads: no copy.
        topicMessages: batch.map(({ topic, records }) => ({ topic, messages: records as unknown as Message[] })),
      });
    } catch (error) {
      const topics = batch.map((b) => b.topic);
      throw fromClientError(error, `sending records to ${topics.join(', ')}`, 'PUBLISH_FAILED', {
        topics,
        brokers: this.brokers,
        ...(this.transactionalId ? { transactionalId: this.transactionalId } : {}),
      });
    }
    return result.map((r) => {
      if (r.errorCode !== 0) {
        throw new KbusError(
          'PUBLISH_FAILED',
          `the broker answered error ${r.errorCode} for ${r.topicName}[${r.partition}]`,
          {
            retriable: true,
            details: { errorCode: r.errorCode },
          },
        );
      }
      return { topic: r.topicName, partition: r.partition, baseOffset: r.baseOffset ?? r.offset ?? '-1' };
    });
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}

class KafkaJsConsumerAdapter implements Consumer {
  private readonly consumer: KafkaJsConsumer;
  private readonly listeners: { [E in keyof ConsumerEvents]: Array<ConsumerEvents[E]> } = {
    'group.join': [],
    rebalancing: [],
    fetch: [],
    crash: [],
    stop: [],
  };
  /** The commit function of the consumer group, captured from a batch (kafkajs exposes no other without retries). */
  private directCommit: EachBatchPayload['commitOffsetsIfNecessary'] | undefined;
  private readonly brokers: readonly string[];

  private readonly client: ClientOptions;
  private readonly groupId: string;

  constructor(kafka: Kafka, options: ConsumerOptions, client: ClientOptions) {
    this.client = client;
    this.brokers = client.brokers;
    this.groupId = options.groupId;
    guardStoppedRunnerFetch();
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      rebalanceTimeout: options.rebalanceTimeoutMs ?? 60_000,
      heartbeatInterval: options.heartbeatIntervalMs ?? 3_000,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 100,
      allowAutoTopicCreation: false,
      // Handler failures never reach kafkajs (the subscriber catches them); what crashes the
      // client is the network or the cluster. Restart whenever the underlying cause is
      // retriable: kafkajs marks "retries exhausted" as final even when a broker was merely
      // away for longer than its retries (a leader election takes ~10 s).
      retry: {
        retries: 10,
        maxRetryTime: 5_000,
        restartOnFailure: async (error) => fromClientError(error, 'consuming').retriable,
      },
    });
    const { GROUP_JOIN, REBALANCING, FETCH, CRASH, STOP } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, (event) => {
      const assignment = event.payload.memberAssignment as Assignment;
      for (const listener of this.listeners['group.join']) listener(assignment);
    });
    this.consumer.on(REBALANCING, () => {
      for (const listener of this.listeners.rebalancing) listener();
    });
    this.consumer.on(FETCH, () => {
      for (const listener of this.listeners.fetch) listener();
    });
    this.consumer.on(CRASH, async (event) => {
      let { error, restart } = event.payload;
      // kafkajs hides the broker's answer to FindCoordinator: ask it again to say what it was.
      if (error?.name === 'KafkaJSGroupCoordinatorNotFound') {
        const refusal = await groupCoordinatorRefusal(this.client, this.groupId).catch(() => undefined);
        if (refusal && !refusal.retriable) {
          error = refusal;
          restart = false;
        }
      }
      const reported = fromClientError(error, `consuming in group ${this.groupId}`, 'KAFKA_ERROR', {
        group: this.groupId,
      });
      for (const listener of this.listeners.crash) listener(reported, restart);
    });
    this.consumer.on(STOP, () => {
      for (const listener of this.listeners.stop) listener();
    });
  }

  on<E extends keyof ConsumerEvents>(event: E, listener: ConsumerEvents[E]): void {
    (this.listeners[event] as Array<ConsumerEvents[E]>).push(listener);
  }

  async connect(): Promise<void> {
    try {
      await this.consumer.connect();
    } catch (error) {
      throw connectFailure(error, 'connecting the consumer', this.client, { group: this.groupId });
    }
  }

  async subscribe(topics: readonly string[], fromBeginning: boolean): Promise<void> {
    try {
      await this.consumer.subscribe({ topics: [...topics], fromBeginning });
    } catch (error) {
      throw fromClientError(error, `subscribing to ${topics.join(', ')} in group ${this.groupId}`, 'KAFKA_ERROR', {
        topics,
        group: this.groupId,
        brokers: this.brokers,
      });
    }
  }

  async run(options: Parameters<Consumer['run']>[0]): Promise<void> {
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
      eachBatch: async (payload) => {
        this.directCommit = payload.commitOffsetsIfNecessary;
        const { batch } = payload;
        const context: BatchContext = {
          heartbeat: async () => {
            try {
              await payload.heartbeat();
            } catch (error) {
              throw fromClientError(error, 'heartbeat');
            }
          },
          commit: (offsets) => this.commitWith(payload.commitOffsetsIfNecessary, offsets),
          resolveOffset: payload.resolveOffset,
          isRunning: payload.isRunning,
          isStale: payload.isStale,
        };
        // kafkajs's decoded messages already have a ConsumedRecord's fields (and a few more
        // the SDK ignores): handed over as they are, not copied, once each has headers
        // (records of the old message format have none).
        const messages = batch.messages;
        for (const message of messages) message.headers ??= {};
        await options.eachBatch(
          {
            topic: batch.topic,
            partition: batch.partition,
            highWatermark: batch.highWatermark,
            records: messages as unknown as ConsumedRecord[],
          },
          context,
        );
      },
    });
  }

  seek(topic: string, partition: number, offset: string): void {
    this.consumer.seek({ topic, partition, offset });
  }

  commit(offsets: readonly OffsetToCommit[]): Promise<void> {
    if (!this.directCommit) {
      return Promise.reject(
        new KbusError('PARTITION_REVOKED', 'nothing to commit with: the consumer never received a batch'),
      );
    }
    return this.commitWith(this.directCommit, offsets);
  }

  private async commitWith(
    commit: EachBatchPayload['commitOffsetsIfNecessary'],
    offsets: readonly OffsetToCommit[],
  ): Promise<void> {
    if (offsets.length === 0) return;
    const byTopic = new Map<string, Array<{ partition: number; offset: string }>>();
    for (const { topic, partition, offset } of offsets) {
      const list = byTopic.get(topic) ?? [];
      list.push({ partition, offset });
      byTopic.set(topic, list);
    }
    try {
      // One OffsetCommit request with the group's current generation; no retry loop.
      await commit({ topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) });
    } catch (error) {
      // Ownership errors become PARTITION_REVOKED; the caller must not retry those.
      throw fromClientError(error, `committing offsets of group ${this.groupId}`, 'KAFKA_ERROR', {
        topics: [...byTopic.keys()],
        group: this.groupId,
      });
    }
  }

  async stop(): Promise<void> {
    await this.consumer.stop();
  }

  async disconnect(): Promise<void> {
    await this.consumer.disconnect();
  }
}

/**
 * Runs an admin request, retrying what the cluster calls retriable (a coordinator that is
 * still loading, a leader being elected) with back-off for up to ~15 s; then, or for other
 * errors, throws a KbusError.
 */
async function withRetries<T>(what: string, request: () => Promise<T>, context: FailureContext = {}): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      return await request();
    } catch (error) {
      const mapped = fromClientError(error, what, 'KAFKA_ERROR', context);
      if (!mapped.retriable || mapped.code === 'TOPIC_NOT_FOUND' || Date.now() + delay > deadline) throw mapped;
      await sleep(delay);
    }
  }
}

class KafkaJsAdminAdapter implements Admin {
  private readonly admin: KafkaJsAdmin;
  private readonly client: ClientOptions;
  private readonly brokers: readonly string[];

  constructor(kafka: Kafka, client: ClientOptions) {
    this.admin = kafka.admin();
    this.client = client;
    this.brokers = client.brokers;
  }

  connect(): Promise<void> {
    return withRetries(
      'connecting the admin client',
      () =>
        this.admin.connect().catch((error: unknown) => {
          throw connectFailure(error, 'connecting the admin client', this.client);
        }),
      { brokers: this.brokers },
    );
  }

  disconnect(): Promise<void> {
    return this.admin.disconnect();
  }

  listTopics(): Promise<string[]> {
    return withRetries('listing topics', () => this.admin.listTopics(), { brokers: this.brokers });
  }

  async createTopics(topics: Parameters<Admin['createTopics']>[0]): Promise<boolean> {
    const names = topics.map((t) => t.name);
    const created = await withRetries(
      `creating topics ${names.join(', ')}`,
      () =>
        this.admin.createTopics({
          waitForLeaders: false,
          timeout: 30_000,
          topics: topics.map((t) => ({
            topic: t.name,
            numPartitions: t.partitions,
            ...(t.replicationFactor === undefined ? {} : { replicationFactor: t.replicationFactor }),
            configEntries: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value })),
          })),
        }),
      { topics: names, brokers: this.brokers },
    );
    // A new topic reaches every broker's metadata a moment later; it is usable once each
    // partition has a leader. (Polled here: kafkajs's own wait gives up on the first miss.)
    const deadline = Date.now() + 30_000;
    for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
      try {
        const { topics: metadata } = await this.admin.fetchTopicMetadata({ topics: names });
        if (
          metadata.length === names.length &&
          metadata.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))
        ) {
          return created;
        }
      } catch (error) {
        if (Date.now() > deadline)
          throw fromClientError(error, `waiting for the leaders of ${names.join(', ')}`, 'KAFKA_ERROR', {
            brokers: this.brokers,
          });
      }
      if (Date.now() > deadline) {
        throw new KbusError('TIMEOUT', `topics ${names.join(', ')} were created but have no leaders after 30 s`, {
          retriable: true,
        });
      }
      await sleep(delay);
    }
  }

  deleteTopics(names: readonly string[]): Promise<void> {
    return withRetries(
      `deleting topics ${names.join(', ')}`,
      () => this.admin.deleteTopics({ topics: [...names], timeout: 30_000 }),
      { brokers: this.brokers },
    );
  }

  async topics(names: readonly string[]): Promise<Awaited<ReturnType<Admin['topics']>>> {
    // Asking for the metadata of a missing topic would create it on clusters that allow
    // auto-creation; list first. A topic created a moment ago may not be listed by every
    // broker yet, so a missing one is looked for again for a few seconds.
    let missing: string[] = [];
    for (let attempt = 0, delay = 100; attempt < 6; attempt++, delay *= 2) {
      const existing = new Set(await this.listTopics());
      missing = names.filter((n) => !existing.has(n));
      if (missing.length === 0) break;
      if (attempt < 5) await sleep(delay);
    }
    if (missing.length > 0) {
      throw new KbusError('TOPIC_NOT_FOUND', `topic(s) ${missing.join(', ')} do not exist on the cluster`, {
        details: { topics: missing },
      });
    }
    const { topics } = await withRetries(
      `reading metadata of ${names.join(', ')}`,
      () => this.admin.fetchTopicMetadata({ topics: [...names] }),
      { brokers: this.brokers },
    );
    return topics.map((t) => ({
      name: t.name,
      partitions: t.partitions
        .map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr }))
        .sort((a, b) => a.partition - b.partition),
    }));
  }

  async topicConfig(name: string, keys: readonly string[]): Promise<Record<string, string | undefined>> {
    const { resources } = await withRetries(
      `reading the configuration of ${name}`,
      () =>
        this.admin.describeConfigs({
          includeSynonyms: false,
          resources: [{ type: 2 /* TOPIC */, name, configNames: [...keys] }],
        }),
      { brokers: this.brokers },
    );
    const entries = resources[0]?.configEntries ?? [];
    return Object.fromEntries(keys.map((k) => [k, entries.find((e) => e.configName === k)?.configValue]));
  }

  async watermarks(topic: string): Promise<Array<{ partition: number; low: string; high: string }>> {
    const offsets = await withRetries(`reading the offsets of ${topic}`, () => this.admin.fetchTopicOffsets(topic), {
      brokers: this.brokers,
    });
    return offsets
      .map((o) => ({ partition: o.partition, low: o.low, high: o.high }))
      .sort((a, b) => a.partition - b.partition);
  }

  async offsetsAtTime(topic: string, timestamp: number): Promise<Array<{ partition: number; offset: string }>> {
    const offsets = await withRetries(
      `reading the offsets of ${topic} at ${timestamp}`,
      () => this.admin.fetchTopicOffsetsByTimestamp(topic, timestamp),
      { brokers: this.brokers },
    );
    const high = await this.watermarks(topic);
    // kafkajs answers -1 where no record is at or after the timestamp: start at the end.
    return offsets
      .map((o) => ({
        partition: o.partition,
        offset: o.offset === '-1' ? (high.find((h) => h.partition === o.partition)?.high ?? '0') : o.offset,
      }))
      .sort((a, b) => a.partition - b.partition);
  }

  async committedOffsets(groupId: string, topic: string): Promise<Array<{ partition: number; offset: string }>> {
    const [result] = await withRetries(
      `reading the offsets of group ${groupId}`,
      () => this.admin.fetchOffsets({ groupId, topics: [topic] }),
      { brokers: this.brokers },
    );
    return (result?.partitions ?? [])
      .map((p) => ({ partition: p.partition, offset: p.offset }))
      .sort((a, b) => a.partition - b.partition);
  }

  setGroupOffsets(
    groupId: string,
    topic: string,
    offsets: ReadonlyArray<{ partition: number; offset: string }>,
  ): Promise<void> {
    return withRetries(
      `setting offsets of group ${groupId}`,
      () =>
        this.admin.setOffsets({
          groupId,
          topic,
          partitions: offsets.map((o) => ({ partition: o.partition, offset: o.offset })),
        }),
      { brokers: this.brokers },
    );
  }

  async describeGroup(groupId: string): Promise<{ groupId: string; state: string; members: number }> {
    const { groups } = await withRetries(`describing group ${groupId}`, () => this.admin.describeGroups([groupId]), {
      brokers: this.brokers,
    });
    const group = groups[0];
    return { groupId, state: group?.state ?? 'Dead', members: group?.members.length ?? 0 };
  }

  async listGroups(): Promise<string[]> {
    const { groups } = await withRetries('listing consumer groups', () => this.admin.listGroups());
    return groups.map((g) => g.groupId).sort();
  }

  async groupOffsets(groupId: string): Promise<Array<{ topic: string; partition: number; offset: string }>> {
    const topics = await withRetries(`reading the offsets of group ${groupId}`, () =>
      this.admin.fetchOffsets({ groupId }),
    );
    return topics
      .flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: p.offset })))
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  async deleteGroups(groupIds: readonly string[]): Promise<void> {
    if (groupIds.length === 0) return;
    await withRetries(`deleting groups ${groupIds.join(', ')}`, () => this.admin.deleteGroups([...groupIds]));
  }
}

const PRODUCER_CLIENTS = ['kafkajs', 'platformatic'] as const;

function producerFor(kafka: Kafka, client: ClientOptions, given: ProducerOptions): Producer {
  const options = parseOptions(producerOptionsSchema, given, 'producer options');
  // @platformatic/kafka by default: maintained, about twice kafkajs's encoding speed, and it
  // never wrote a retried send twice in the fault suite, where kafkajs 2.2.4 once did (a
  // retry overlapping its own first attempt; README, "Kafka clients"). kafkajs for
  // transactions, which the other adapter lacks.
  const library = options.client ?? client.producerClient ?? (options.transactionalId ? 'kafkajs' : 'platformatic');
  if (!PRODUCER_CLIENTS.includes(library)) {
    throw new KbusError(
      'INVALID_CONFIGURATION',
      `producer.client (or the client's producerClient) must be ${PRODUCER_CLIENTS.map((c) => `"${c}"`).join(' or ')}, not ${JSON.stringify(library)}`,
    );
  }
  if ((options.idempotent ?? true) && (options.acks ?? -1) !== -1) {
    throw new KbusError(
      'INVALID_CONFIGURATION',
      'an idempotent producer needs acks = -1 (all); set idempotent: false to use other acks',
    );
  }
  return library === 'platformatic'
    ? new PlatformaticProducerAdapter(client, options)
    : new KafkaJsProducerAdapter(kafka, options, client);
}

/**
 * The SDK's Kafka client. One per process is plenty; producers, consumers and admins are
 * created from it. Producers send with @platformatic/kafka unless told otherwise
 * (`producerClient`, `ProducerOptions.client`); consumers and admins use kafkajs.
 *
 * @example
 * const kafka = createKafkaClient({ brokers: ['localhost:9092'], clientId: 'auth-service' });
 */
export function createKafkaClient(given: ClientOptions): KafkaClient {
  const options = parseOptions(clientOptionsSchema, given, 'createKafkaClient');
  const kafka = new Kafka(kafkaConfig(options));
  return {
    options,
    producer: (producerOptions = {}) => producerFor(kafka, options, producerOptions),
    consumer: (consumerOptions) =>
      new KafkaJsConsumerAdapter(
        kafka,
        parseOptions(consumerOptionsSchema, consumerOptions, 'consumer options'),
        options,
      ),
    admin: () => new KafkaJsAdminAdapter(kafka, options),
  };
}
