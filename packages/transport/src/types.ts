/**
 * The Kafka client surface the SDK uses. Publisher, subscriber and outbox speak only these
 * interfaces; `platformatic.ts` implements the producer on @platformatic/kafka, `kafkajs.ts`
 * every interface on kafkajs.
 */

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

export interface ProducerOptions {
  /**
   * The client library that sends: `platformatic` (@platformatic/kafka, the default:
   * maintained, about twice kafkajs's record encoding speed) or `kafkajs` (the default for
   * transactional producers, which the other adapter does not offer). Consumers and admin
   * operations use kafkajs either way.
   */
  readonly client?: 'kafkajs' | 'platformatic';
  /** Idempotent producer (default true): retries never duplicate or reorder within a partition. */
  readonly idempotent?: boolean;
  /** -1 (all in-sync replicas, default), 1 (leader) or 0. */
  readonly acks?: -1 | 0 | 1;
  /** Retries of one send inside the client (default 10: about 25 s of back-off, enough for a leader election). */
  readonly retries?: number;
  readonly initialRetryTimeMs?: number;
  readonly maxRetryTimeMs?: number;
  /** How long the broker may take to acknowledge (default 30 s). */
  readonly ackTimeoutMs?: number;
  readonly compression?: 'none' | 'gzip';
  /** For transactional producers (outbox relays may use one). */
  readonly transactionalId?: string;
}

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

export interface ConsumerOptions {
  readonly groupId: string;
  /** Default 30 s: a member silent this long is removed from the group. */
  readonly sessionTimeoutMs?: number;
  /** Default 60 s: how long members have to rejoin during a rebalance. */
  readonly rebalanceTimeoutMs?: number;
  /** Default 3 s. */
  readonly heartbeatIntervalMs?: number;
  /** Default 1 MiB. */
  readonly maxBytesPerPartition?: number;
  /** Default 100 ms: how long a fetch waits for new data. */
  readonly maxWaitTimeMs?: number;
}

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
 * TLS to the brokers (or the registry). `true` trusts the system's CAs; otherwise Node's TLS
 * settings that a Kafka connection needs: the CA that signed the broker certificates, a
 * client certificate and key for mTLS, the name to check the certificate against.
 */
export interface TlsOptions {
  readonly ca?: Pem | readonly Pem[];
  readonly cert?: Pem;
  readonly key?: Pem;
  /** The key's passphrase, if it is encrypted. */
  readonly passphrase?: string;
  /** The host name the broker certificate must carry (default: the host connected to). */
  readonly servername?: string;
  /** Default true; false accepts any certificate (tests only). */
  readonly rejectUnauthorized?: boolean;
}

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
export type SaslOptions =
  | {
      readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
      readonly username: string;
      readonly password: string;
    }
  | {
      readonly mechanism: 'oauthbearer';
      readonly token: () => OAuthBearerToken | Promise<OAuthBearerToken>;
    };

export interface ClientOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  readonly ssl?: boolean | TlsOptions;
  readonly sasl?: SaslOptions;
  /** Default 3 s. */
  readonly connectionTimeoutMs?: number;
  /** Default 30 s. */
  readonly requestTimeoutMs?: number;
  /**
   * The Kafka client's own log (default `nothing`: the SDK reports failures as typed errors,
   * health and diagnostics_channel events; turn this on to debug the client).
   */
  readonly logLevel?: 'nothing' | 'error' | 'warn' | 'info' | 'debug';
  /** Where client log entries go (default: JSON lines on the console). */
  readonly logger?: (entry: { level: string; namespace: string; message: string; [key: string]: unknown }) => void;
  /**
   * The client library this client's producers send with, unless a producer says otherwise
   * (`ProducerOptions.client`): one setting moves a service's publishers, dead-letter
   * producers and outbox relays together. Default `platformatic` (`kafkajs` for
   * transactional producers).
   */
  readonly producerClient?: 'kafkajs' | 'platformatic';
}

export interface KafkaClient {
  readonly options: ClientOptions;
  producer(options?: ProducerOptions): Producer;
  consumer(options: ConsumerOptions): Consumer;
  admin(): Admin;
}
