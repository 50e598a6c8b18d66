/**
 * The Kafka client surface the SDK uses. Publisher, subscriber and outbox speak only these
 * interfaces; `platformatic/` implements the producer on @platformatic/kafka, `kafkajs/`
 * every interface on kafkajs, and `client.ts` chooses between them.
 */

import type { tlsSettingsSchema } from '@kbus/core/options';
import type * as z from 'zod';
import type { clientOptionsSchema, consumerOptionsSchema, producerOptionsSchema, saslOption } from './options.ts';

export type HeaderValue = string | Buffer;

export interface OutgoingRecord {
  readonly key: Buffer | string | null;
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, HeaderValue>>;
  /** Always set by the SDK: it chooses partitions itself (Java-compatible murmur2). */
  readonly partition: number;
  /** Epoch millis as a string; default: the broker/producer time. */
  readonly timestamp?: string;
}

export interface TopicRecords {
  readonly topic: string;
  readonly records: readonly OutgoingRecord[];
}

/** The broker's acknowledgement of one topic-partition's share of a send. */
export interface PartitionAck {
  readonly topic: string;
  readonly partition: number;
  /** Offset of the first record of this send in the partition. */
  readonly baseOffset: string;
}

/** Producer settings; declared, documented and checked in options.ts. */
export type ProducerOptions = z.input<typeof producerOptionsSchema>;

export interface Producer {
  connect(): Promise<void>;
  /** Sends records with explicit partitions; resolves when the broker acknowledged all of them. */
  send(batch: readonly TopicRecords[]): Promise<PartitionAck[]>;
  disconnect(): Promise<void>;
}

export interface ConsumedRecord {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | string | undefined>>;
  /** Epoch millis as a string. */
  readonly timestamp: string;
}

export interface ConsumedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly ConsumedRecord[];
  /** The partition's high watermark when fetched (the next offset to be written). */
  readonly highWatermark: string;
}

export interface OffsetToCommit {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read: last handled offset + 1. */
  readonly offset: string;
}

export interface BatchContext {
  /**
   * Tells the coordinator this member is alive (sent at most once per heartbeat interval).
   * Rejects with a `PARTITION_REVOKED` KbusError when the group is rebalancing.
   */
  heartbeat(): Promise<void>;
  /**
   * Commits offsets now, once, with this member's current generation. A refusal because the
   * generation changed rejects with `PARTITION_REVOKED` and is not retried.
   */
  commit(offsets: readonly OffsetToCommit[]): Promise<void>;
  /**
   * Moves this partition's fetch position past `offset` (a handled record). Records not
   * resolved are fetched again by the next batch; resolving is not committing.
   */
  resolveOffset(offset: string): void;
  /** False once the consumer is stopping. */
  isRunning(): boolean;
  /** True when a seek made this batch obsolete. */
  isStale(): boolean;
}

/** Partitions per topic. */
export type Assignment = Readonly<Record<string, readonly number[]>>;

export interface ConsumerEvents {
  /** The member joined (or re-joined) the group and got this assignment. */
  'group.join': (assignment: Assignment) => void;
  /** A rebalance started: the current assignment is being revoked. */
  rebalancing: () => void;
  /** A fetch returned (the consumer is polling). */
  fetch: () => void;
  /** The client failed; `restarting` says whether it restarts by itself (retriable failures) or stays down. */
  crash: (error: unknown, restarting: boolean) => void;
  stop: () => void;
}

/** Consumer settings; declared, documented and checked in options.ts. */
export type ConsumerOptions = z.input<typeof consumerOptionsSchema>;

export interface Consumer {
  connect(): Promise<void>;
  /** `fromBeginning`: where a group with no committed offset starts (earliest, else latest). */
  subscribe(topics: readonly string[], fromBeginning: boolean): Promise<void>;
  run(options: {
    readonly partitionsConsumedConcurrently: number;
    eachBatch(batch: ConsumedBatch, context: BatchContext): Promise<void>;
  }): Promise<void>;
  /**
   * Moves the fetch position of an assigned partition (call it from a `group.join` listener to
   * start there: it applies before the next fetch). Not a commit.
   */
  seek(topic: string, partition: number, offset: string): void;
  /** Commits outside a batch (at shutdown), with the same rules as BatchContext.commit. */
  commit(offsets: readonly OffsetToCommit[]): Promise<void>;
  on<E extends keyof ConsumerEvents>(event: E, listener: ConsumerEvents[E]): void;
  stop(): Promise<void>;
  disconnect(): Promise<void>;
}

export interface PartitionInfo {
  readonly partition: number;
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

export interface TopicInfo {
  readonly name: string;
  readonly partitions: readonly PartitionInfo[];
}

export interface NewTopic {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor?: number;
  readonly config?: Readonly<Record<string, string>>;
}

export interface GroupDescription {
  readonly groupId: string;
  /** Empty, Stable, PreparingRebalance, CompletingRebalance, Dead. */
  readonly state: string;
  readonly members: number;
}

export interface Admin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  listTopics(): Promise<string[]>;
  /** Creates topics and waits for their leaders; false for ones that already existed. */
  createTopics(topics: readonly NewTopic[]): Promise<boolean>;
  deleteTopics(names: readonly string[]): Promise<void>;
  /** Metadata of existing topics; rejects with TOPIC_NOT_FOUND for missing ones. */
  topics(names: readonly string[]): Promise<TopicInfo[]>;
  topicConfig(name: string, keys: readonly string[]): Promise<Record<string, string | undefined>>;
  /** Low and high watermark per partition. */
  watermarks(topic: string): Promise<Array<{ partition: number; low: string; high: string }>>;
  /** The first offset at or after `timestamp` per partition (the high watermark if none). */
  offsetsAtTime(topic: string, timestamp: number): Promise<Array<{ partition: number; offset: string }>>;
  /** Committed offsets of a group ('-1' where none). */
  committedOffsets(groupId: string, topic: string): Promise<Array<{ partition: number; offset: string }>>;
  /** Sets a group's offsets (the group must have no active members). */
  setGroupOffsets(
    groupId: string,
    topic: string,
    offsets: ReadonlyArray<{ partition: number; offset: string }>,
  ): Promise<void>;
  describeGroup(groupId: string): Promise<GroupDescription>;
  /** The ids of every consumer group the cluster knows (classic and consumer protocol). */
  listGroups(): Promise<string[]>;
  /** A group's committed offsets on every topic it committed on. */
  groupOffsets(groupId: string): Promise<Array<{ topic: string; partition: number; offset: string }>>;
  /** Deletes groups that have no active members (their committed offsets go with them). */
  deleteGroups(groupIds: readonly string[]): Promise<void>;
}

/** PEM text or bytes, as Node's TLS options take them. */
export type Pem = string | Buffer;

/**
 * TLS to the brokers: the CA that signed the broker certificates, a client certificate and
 * key for mTLS, the name to check the certificate against (`ssl: true` trusts the system's CAs).
 */
export type TlsOptions = z.input<typeof tlsSettingsSchema>;

/** An OAUTHBEARER token from the provider: `value` is the compact JWS the broker validates. */
export interface OAuthBearerToken {
  readonly value: string;
  /** SASL extensions (KIP-342), for example a Confluent Cloud logical cluster and pool id. */
  readonly extensions?: Readonly<Record<string, string>>;
}

/**
 * SASL: a user name and password (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), or an OAUTHBEARER
 * token provider. The provider is called for each new connection and again before the
 * broker's session expires (KIP-368 re-authentication, when the broker sets
 * `connections.max.reauth.ms`), so it should return a fresh token when the last one is near
 * its expiry (and may cache it until then).
 */
export type SaslOptions = z.input<typeof saslOption>;

/** Client settings; declared, documented and checked in options.ts. */
export type ClientOptions = z.input<typeof clientOptionsSchema>;

export interface KafkaClient {
  readonly options: ClientOptions;
  producer(options?: ProducerOptions): Producer;
  consumer(options: ConsumerOptions): Consumer;
  admin(): Admin;
}
