import { type AnyEventDefinition, type AnyTopicDefinition, KbusError, type RegistryOptions, Serde } from '@kbus/core';
import type { KafkaClient } from '@kbus/transport';
import { type ResolvedRetryPolicy, type RetryPolicy, resolveRetryPolicy } from './middleware/retry.ts';
import type { Handler, Handlers, Middleware, SubscribedType } from './types.ts';

/** Where a group with no committed offsets starts reading. */
export type StartFrom = 'earliest' | 'latest' | { readonly timestamp: Date | number };

export interface SubscriberOptions<T extends readonly AnyTopicDefinition[]> {
  /** The consumer group: every group reads every event; within a group each partition has one reader. */
  readonly groupId: string;
  readonly topics: T;
  readonly handlers: Handlers<T>;
  /** Event types this service deliberately does not handle: committed and counted, not decoded. */
  readonly ignore?: ReadonlyArray<SubscribedType<T>>;
  /** Declared types with no handler that are not in `ignore`: `skip` (default, counted) or `dead-letter`. */
  readonly unhandled?: 'skip' | 'dead-letter';
  readonly brokers?: readonly string[];
  readonly kafka?: KafkaClient;
  readonly clientId?: string;
  readonly registry: RegistryOptions | Serde;
  /** Where a new group starts (default `earliest`: a service that joins later sees the history). */
  readonly startFrom?: StartFrom;
  readonly concurrency?: {
    /** Partitions handled at the same time (default 1). */
    readonly partitions?: number;
    /**
     * Records of different keys of one partition handled at the same time (default 1:
     * sequential). Records of one key always run in order.
     */
    readonly perKey?: number;
  };
  /** In-place retries of failed records (default 3 attempts, 200 ms × 2ⁿ, ±20 %); `false`: one attempt. */
  readonly retry?: RetryPolicy | false;
  /**
   * Where records that cannot be handled go (default `<topic>.dlt`, created at start if
   * missing). `false` disables it: a failing record is then retried forever and blocks its
   * partition, since nothing is ever skipped silently.
   */
  readonly deadLetter?:
    | { readonly topic?: string | ((source: string) => string); readonly createTopics?: boolean }
    | false;
  /** Bound of one handler attempt (default 60 s). */
  readonly handlerTimeoutMs?: number;
  /** Commit after this many finished records or this long, whichever first (default 1000 / 1 s), and at each batch end: the most a crash makes the group handle again. */
  readonly commit?: { readonly everyRecords?: number; readonly intervalMs?: number };
  /** How long stop() lets in-flight handlers finish (default 30 s). */
  readonly shutdownTimeoutMs?: number;
  /** How long a rebalance lets in-flight handlers finish before aborting them (default 10 s). */
  readonly revokeTimeoutMs?: number;
  /** How long start() waits to join the group (default 60 s). */
  readonly startTimeoutMs?: number;
  /** Extra middleware around each handler attempt (outermost first). */
  readonly middleware?: readonly Middleware[];
  readonly session?: {
    readonly sessionTimeoutMs?: number;
    readonly rebalanceTimeoutMs?: number;
    readonly heartbeatIntervalMs?: number;
  };
  readonly fetch?: { readonly maxBytesPerPartition?: number; readonly maxWaitTimeMs?: number };
  /** Check decoded payloads with zod, refinements included (default true); failures are dead-lettered. */
  readonly validateOnDecode?: boolean;
}

export interface ResolvedSubscriberOptions {
  readonly groupId: string;
  readonly topics: readonly AnyTopicDefinition[];
  readonly handlers: Readonly<Record<string, Handler<AnyEventDefinition> | undefined>>;
  readonly ignore: ReadonlySet<string>;
  readonly unhandled: 'skip' | 'dead-letter';
  readonly serde: Serde;
  readonly startFrom: StartFrom;
  readonly partitionConcurrency: number;
  readonly perKeyConcurrency: number;
  readonly retry: ResolvedRetryPolicy;
  readonly deadLetter: { readonly topicFor: (source: string) => string; readonly createTopics: boolean } | undefined;
  readonly handlerTimeoutMs: number;
  readonly commitEveryRecords: number;
  readonly commitIntervalMs: number;
  readonly shutdownTimeoutMs: number;
  readonly revokeTimeoutMs: number;
  readonly startTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly middleware: readonly Middleware[];
}

function fail(message: string): never {
  throw new KbusError('INVALID_CONFIGURATION', `createSubscriber: ${message}`);
}

function count(value: number | undefined, fallback: number, name: string, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < min) fail(`${name} must be a number >= ${min}, got ${value}`);
  return value;
}

/** Defaults and start-up checks, each failure saying what to change. */
export function resolveSubscriberOptions<T extends readonly AnyTopicDefinition[]>(
  options: SubscriberOptions<T>,
): ResolvedSubscriberOptions {
  if (!options.groupId) fail('groupId is required (one per service: every group reads every event)');
  if (!options.topics || options.topics.length === 0) fail('declare the topics to read, topics: [MyTopic]');
  if (!options.kafka && (!options.brokers || options.brokers.length === 0))
    fail('pass brokers: ["host:9092"] or a shared kafka client');
  if (!options.registry) fail('pass registry: { url } (the Confluent-compatible schema registry)');
  const declared = new Set<string>();
  for (const topic of options.topics) {
    if (topic?.kind !== 'kbus.topic') fail('topics must come from defineTopic()');
    for (const event of topic.events as readonly AnyEventDefinition[]) declared.add(event.type);
  }
  const handlers = (options.handlers ?? {}) as Record<string, Handler<AnyEventDefinition> | undefined>;
  for (const [type, handler] of Object.entries(handlers)) {
    if (!declared.has(type))
      fail(
        `there is a handler for "${type}", which none of the topics declares (declared: ${[...declared].join(', ')})`,
      );
    if (typeof handler !== 'function') fail(`the handler for "${type}" is not a function`);
  }
  const ignore = new Set<string>(options.ignore ?? []);
  for (const type of ignore) {
    if (!declared.has(type)) fail(`ignore lists "${type}", which none of the topics declares`);
    if (handlers[type]) fail(`"${type}" has a handler and is also ignored; remove one`);
  }
  const sessionTimeout = options.session?.sessionTimeoutMs ?? 30_000;
  const heartbeatIntervalMs = count(options.session?.heartbeatIntervalMs, 3_000, 'session.heartbeatIntervalMs');
  if (heartbeatIntervalMs * 3 > sessionTimeout)
    fail('session.heartbeatIntervalMs should be at most a third of sessionTimeoutMs');
  const startFrom = options.startFrom ?? 'earliest';
  if (typeof startFrom === 'object' && !Number.isFinite(new Date(startFrom.timestamp).getTime())) {
    fail('startFrom.timestamp must be a Date or epoch milliseconds');
  }
  const dlt = options.deadLetter;
  const deadLetter =
    dlt === false
      ? undefined
      : {
          topicFor:
            typeof dlt?.topic === 'function'
              ? dlt.topic
              : typeof dlt?.topic === 'string'
                ? () => dlt.topic as string
                : (source: string) => `${source}.dlt`,
          createTopics: dlt?.createTopics ?? true,
        };
  const retry = resolveRetryPolicy(options.retry);
  return {
    groupId: options.groupId,
    topics: options.topics,
    handlers,
    ignore,
    unhandled: options.unhandled ?? 'skip',
    serde:
      options.registry instanceof Serde
        ? options.registry
        : new Serde({
            registry: options.registry,
            ...(options.validateOnDecode === undefined ? {} : { validateOnDecode: options.validateOnDecode }),
          }),
    startFrom,
    partitionConcurrency: count(options.concurrency?.partitions, 1, 'concurrency.partitions'),
    perKeyConcurrency: count(options.concurrency?.perKey, 1, 'concurrency.perKey'),
    // Without a dead-letter topic nothing may be dropped: keep retrying.
    retry: deadLetter ? retry : { ...retry, attempts: Number.POSITIVE_INFINITY },
    deadLetter,
    handlerTimeoutMs: count(options.handlerTimeoutMs, 60_000, 'handlerTimeoutMs'),
    commitEveryRecords: count(options.commit?.everyRecords, 1_000, 'commit.everyRecords'),
    commitIntervalMs: count(options.commit?.intervalMs, 1_000, 'commit.intervalMs', 0),
    shutdownTimeoutMs: count(options.shutdownTimeoutMs, 30_000, 'shutdownTimeoutMs', 0),
    revokeTimeoutMs: count(options.revokeTimeoutMs, 10_000, 'revokeTimeoutMs', 0),
    startTimeoutMs: count(options.startTimeoutMs, 60_000, 'startTimeoutMs'),
    heartbeatIntervalMs,
    middleware: options.middleware ?? [],
  };
}
