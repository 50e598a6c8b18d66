import { type AnyEventDefinition, type AnyTopicDefinition, KbusError, Serde } from '@kbus/core';
import {
  booleanOption,
  callback,
  choice,
  listOf,
  nonEmptyString,
  numberBetween,
  off,
  oneOf,
  parseOptions,
  recognised,
  registryOption,
  strictOptions,
  timerMs,
  wholeNumber,
} from '@kbus/core/options';
import { brokersOption, type ClientOptions, kafkaClientOption, saslOption, sslOption } from '@kbus/transport';
import * as z from 'zod';
import { type ResolvedRetryPolicy, resolveRetryPolicy } from './middleware/retry.ts';
import type { Handler, Handlers, Middleware, SubscribedType } from './types.ts';

function isTopic(value: unknown): boolean {
  return (value as AnyTopicDefinition | null)?.kind === 'kbus.topic';
}

const epochMillis = wholeNumber(0, 8.64e15);

/** In-place retries of failed records. */
export const retryPolicySchema = strictOptions({
  /** Attempts in all, the first included (default 3). */
  attempts: wholeNumber(1).optional(),
  /** Delay before the second attempt (default 200 ms); then multiplied each time. */
  initialDelayMs: timerMs(0).optional(),
  multiplier: numberBetween(1, 1_000).optional(),
  /** Upper bound of one delay (default 30 s). */
  maxDelayMs: timerMs(0).optional(),
  /** Random spread of each delay, 0–1 (default 0.2: ±20 %). */
  jitter: numberBetween(0, 1).optional(),
});

export type RetryPolicy = z.input<typeof retryPolicySchema>;

/** What every subscriber option accepts; the option types below are taken from it. */
export const subscriberOptionsSchema = strictOptions({
  /** The consumer group: every group reads every event; within a group each partition has one reader. */
  groupId: nonEmptyString('a group id, one per service (every group reads every event)'),
  topics: listOf(
    recognised<AnyTopicDefinition>(isTopic, 'a topic from defineTopic()'),
    'a non-empty list of topics from defineTopic() (declare the topics to read, e.g. [MyTopic])',
    1,
  ),
  /** One handler per event type (at least one). */
  handlers: z.record(z.string(), callback('a handler function (event, context) => …'), {
    error: "an object of one handler per event type, e.g. { 'account.opened': async (event) => … }",
  }),
  /** Event types this service deliberately does not handle: committed and counted, not decoded. */
  ignore: listOf(nonEmptyString('an event type'), 'a list of declared event types').optional(),
  /** Declared types with no handler that are not in `ignore`: `skip` (default, counted) or `dead-letter`. */
  unhandled: choice(['skip', 'dead-letter']).optional(),
  brokers: brokersOption.optional(),
  kafka: kafkaClientOption.optional(),
  clientId: nonEmptyString().optional(),
  /** TLS to the brokers (as createKafkaClient's `ssl`); not with `kafka`, whose own settings apply. */
  ssl: sslOption.optional(),
  /** SASL authentication (as createKafkaClient's `sasl`); not with `kafka`. */
  sasl: saslOption.optional(),
  registry: registryOption,
  /** Where a new group starts (default `earliest`: a service that joins later sees the history). */
  startFrom: oneOf(
    [
      choice(['earliest', 'latest']),
      strictOptions({
        timestamp: oneOf(
          [z.date().refine((d) => Number.isFinite(d.getTime())), epochMillis],
          'a Date or epoch milliseconds',
        ),
      }),
    ],
    '"earliest", "latest" or { timestamp: Date | epoch milliseconds }',
  ).optional(),
  concurrency: strictOptions({
    /** Partitions handled at the same time (default 1). */
    partitions: wholeNumber(1, 10_000).optional(),
    /**
     * Records of different keys of one partition handled at the same time (default 1:
     * sequential). Records of one key always run in order.
     */
    perKey: wholeNumber(1, 100_000).optional(),
  }).optional(),
  /** In-place retries of failed records (default 3 attempts, 200 ms × 2ⁿ, ±20 %); `false`: one attempt. */
  retry: oneOf(
    [off(), retryPolicySchema],
    'false, or { attempts, initialDelayMs, multiplier, maxDelayMs, jitter }',
  ).optional(),
  /**
   * Where records that cannot be handled go (default `<topic>.dlt`, created at start if
   * missing). `false` disables it: a failing record is then retried forever and blocks its
   * partition, since nothing is ever skipped silently.
   */
  deadLetter: oneOf(
    [
      off(),
      strictOptions({
        topic: oneOf(
          [nonEmptyString(), callback<(source: string) => string>()],
          'a topic name or a function (sourceTopic) => name',
        ).optional(),
        createTopics: booleanOption().optional(),
      }),
    ],
    'false, or { topic, createTopics }',
  ).optional(),
  /** Bound of one handler attempt (default 60 s). */
  handlerTimeoutMs: timerMs(1).optional(),
  /** Commit after this many finished records or this long, whichever first (default 1000 / 1 s), and at each batch end: the most a crash makes the group handle again. */
  commit: strictOptions({ everyRecords: wholeNumber(1).optional(), intervalMs: timerMs(0).optional() }).optional(),
  /** How long stop() lets in-flight handlers finish (default 30 s). */
  shutdownTimeoutMs: timerMs(0).optional(),
  /** How long a rebalance lets in-flight handlers finish before aborting them (default 10 s). */
  revokeTimeoutMs: timerMs(0).optional(),
  /** How long start() waits to join the group (default 60 s). */
  startTimeoutMs: timerMs(1).optional(),
  /** Extra middleware around each handler attempt (outermost first). */
  middleware: listOf(callback<Middleware>('a middleware (next) => (message) => …'), 'a list of middleware').optional(),
  session: strictOptions({
    sessionTimeoutMs: timerMs(1).optional(),
    rebalanceTimeoutMs: timerMs(1).optional(),
    heartbeatIntervalMs: timerMs(1).optional(),
  }).optional(),
  fetch: strictOptions({
    maxBytesPerPartition: wholeNumber(1).optional(),
    maxWaitTimeMs: timerMs(0).optional(),
  }).optional(),
  /** Check decoded payloads with zod, refinements included (default true); failures are dead-lettered. */
  validateOnDecode: booleanOption().optional(),
});

type DeclaredOptions = z.input<typeof subscriberOptionsSchema>;

/** Where a group with no committed offsets starts reading. */
export type StartFrom = NonNullable<DeclaredOptions['startFrom']>;

export interface SubscriberOptions<T extends readonly AnyTopicDefinition[]>
  extends Omit<DeclaredOptions, 'topics' | 'handlers' | 'ignore'> {
  readonly topics: T;
  /** One handler per event type of the topics, at least one. */
  readonly handlers: Handlers<T>;
  /** Event types this service deliberately does not handle: committed and counted, not decoded. */
  readonly ignore?: ReadonlyArray<SubscribedType<T>>;
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
  /** Settings of the client made when no `kafka` is shared (then its own settings). */
  readonly connection: ClientOptions;
}

function fail(message: string): never {
  throw new KbusError('INVALID_CONFIGURATION', `createSubscriber: ${message}`);
}

/** Defaults and start-up checks, each failure saying what to change. */
export function resolveSubscriberOptions<T extends readonly AnyTopicDefinition[]>(
  given: SubscriberOptions<T>,
): ResolvedSubscriberOptions {
  const options = parseOptions(subscriberOptionsSchema, given, 'createSubscriber');
  if (!options.kafka && !options.brokers) fail('pass brokers: ["host:9092"] or a shared kafka client');
  if (options.kafka && (options.ssl !== undefined || options.sasl !== undefined))
    fail("ssl and sasl are settings of the shared kafka client: pass them to createKafkaClient, or drop 'kafka'");
  const declared = new Set<string>();
  for (const topic of options.topics) {
    for (const event of topic.events as readonly AnyEventDefinition[]) declared.add(event.type);
  }
  const handlers = options.handlers as Record<string, Handler<AnyEventDefinition> | undefined>;
  // A subscriber without handlers would skip and commit every record it reads.
  if (Object.keys(handlers).length === 0)
    fail(
      `handlers names no event type: give at least one, e.g. handlers: { '${[...declared][0] ?? 'event.type'}': async (event) => … } (declared: ${[...declared].join(', ')})`,
    );
  for (const type of Object.keys(handlers)) {
    if (!declared.has(type))
      fail(
        `there is a handler for "${type}", which none of the topics declares (declared: ${[...declared].join(', ')})`,
      );
  }
  const ignore = new Set<string>(options.ignore ?? []);
  for (const type of ignore) {
    if (!declared.has(type)) fail(`ignore lists "${type}", which none of the topics declares`);
    if (handlers[type]) fail(`"${type}" has a handler and is also ignored; remove one`);
  }
  const sessionTimeout = options.session?.sessionTimeoutMs ?? 30_000;
  const heartbeatIntervalMs = options.session?.heartbeatIntervalMs ?? 3_000;
  if (heartbeatIntervalMs * 3 > sessionTimeout)
    fail('session.heartbeatIntervalMs should be at most a third of sessionTimeoutMs');
  const startFrom = options.startFrom ?? 'earliest';
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
    partitionConcurrency: options.concurrency?.partitions ?? 1,
    perKeyConcurrency: options.concurrency?.perKey ?? 1,
    // Without a dead-letter topic nothing may be dropped: keep retrying.
    retry: deadLetter ? retry : { ...retry, attempts: Number.POSITIVE_INFINITY },
    deadLetter,
    handlerTimeoutMs: options.handlerTimeoutMs ?? 60_000,
    commitEveryRecords: options.commit?.everyRecords ?? 1_000,
    commitIntervalMs: options.commit?.intervalMs ?? 1_000,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 30_000,
    revokeTimeoutMs: options.revokeTimeoutMs ?? 10_000,
    startTimeoutMs: options.startTimeoutMs ?? 60_000,
    heartbeatIntervalMs,
    middleware: options.middleware ?? [],
    connection: options.kafka?.options ?? {
      brokers: options.brokers ?? [],
      clientId: options.clientId ?? options.groupId,
      ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
      ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
    },
  };
}
