import {
  type AnyEventDefinition,
  type AnyTopicDefinition,
  channels,
  KbusError,
  type RebalanceMessage,
  withinDeadline,
} from '@kbus/core';

import {
  type Admin,
  type Assignment,
  type BatchContext,
  type ConsumedBatch,
  type ConsumedRecord,
  type Consumer,
  createKafkaClient,
  type KafkaClient,
  PartitionCounts,
  type Producer,
} from '@kbus/transport';
import { type CommitFunction, Committer } from './committer.ts';
import { isAborted } from './errors.ts';
import { deadLetter } from './middleware/dead-letter.ts';
import { decode } from './middleware/decode.ts';
import { dispatch } from './middleware/dispatch.ts';
import { retry } from './middleware/retry.ts';
import { timeout } from './middleware/timeout.ts';
import { type PartitionLag, partitionLag, prepareStartOffsets } from './offsets.ts';
import { type ResolvedSubscriberOptions, resolveSubscriberOptions, type SubscriberOptions } from './options.ts';
import { reportOutcome } from './outcome.ts';
import { type InboundMessage, isPromise, type MessageHandler, normalised } from './types.ts';

export interface SubscriberHealth {
  readonly state: 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'crashed';
  /** Joined to the group and fetching. */
  readonly connected: boolean;
  /** Partitions this member owns, per topic. */
  readonly assignment: Assignment;
  /** When the last fetch returned (epoch ms), if any. */
  readonly lastPollAt: number | undefined;
  readonly lastError: unknown;
}

export interface SubscriberStats {
  readonly handled: number;
  /** Skipped on purpose (ignored types, types without a handler). */
  readonly skipped: number;
  readonly retried: number;
  readonly deadLettered: number;
  /** Records fetched again that this member had already handled (after a rebalance), not handled twice. */
  readonly duplicatesSkipped: number;
  readonly commits: number;
}

export interface Subscriber extends AsyncDisposable {
  /** Joins the group; resolves once partitions are assigned (rejects on a start-up misconfiguration). */
  start(): Promise<void>;
  /** Stops fetching, lets in-flight handlers finish (within shutdownTimeoutMs), commits, leaves the group. */
  stop(): Promise<void>;
  health(): SubscriberHealth;
  /** Committed offset, end offset and lag of every partition of the subscribed topics. */
  lag(): Promise<PartitionLag[]>;
  stats(): SubscriberStats;
  /** Stops gracefully on these signals (default SIGTERM, SIGINT); returns a function that removes the handlers. */
  stopOnSignals(signals?: readonly NodeJS.Signals[]): () => void;
}

interface PartitionState {
  /** The offset after the last record this member finished in the partition. */
  watermark: bigint | undefined;
  /** The running batch of the partition; the next waits for it (no overlap across rebalances). */
  tail: Promise<void>;
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * Settles with `work`'s outcome, or with 'aborted' as soon as `signal` aborts, whichever
 * comes first. Its abort listener is removed when `work` settles (one per batch or stop:
 * they must not pile up on a long-lived signal).
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | 'aborted'> {
  if (signal.aborted) return Promise.resolve('aborted');
  return new Promise<T | 'aborted'>((resolve, reject) => {
    const onAbort = () => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

class KafkaSubscriber implements Subscriber {
  private readonly options: ResolvedSubscriberOptions;
  private readonly kafka: KafkaClient;
  private readonly consumer: Consumer;
  private readonly producer: Producer | undefined;
  private readonly committer: Committer;
  private readonly pipeline: MessageHandler;
  private readonly topicsByName: Map<string, AnyTopicDefinition>;
  private readonly partitionStates = new Map<string, PartitionState>();
  /** The dead-letter topics' counts, read at each start (they are created with their source's count). */
  private deadLetterPartitions: PartitionCounts | undefined;
  private readonly activeBatches = new Set<Promise<void>>();
  private state: SubscriberHealth['state'] = 'idle';
  private assignment = new Set<string>();
  private assignmentView: Assignment = {};
  private epoch = 0;
  private revoking = false;
  private stopping = false;
  private lifecycle = new AbortController();
  private lastCommitAt = Date.now();
  private finishedSinceCommit = 0;
  private lastPollAt: number | undefined;
  private lastError: unknown;
  private starting: Promise<void> | undefined;
  private startAbandoned = false;
  private startPhase = 'starting';
  private startAdmin: Admin | undefined;
  private stopped: Promise<void> | undefined;
  private joined: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  private readonly counters = { handled: 0, skipped: 0, retried: 0, deadLettered: 0, duplicatesSkipped: 0 };

  constructor(subscriberOptions: SubscriberOptions<readonly AnyTopicDefinition[]>) {
    this.options = resolveSubscriberOptions(subscriberOptions);
    const o = this.options;
    this.kafka = subscriberOptions.kafka ?? createKafkaClient(o.connection);
    this.consumer = this.kafka.consumer({
      groupId: o.groupId,
      heartbeatIntervalMs: o.heartbeatIntervalMs,
      ...(subscriberOptions.session?.sessionTimeoutMs
        ? { sessionTimeoutMs: subscriberOptions.session.sessionTimeoutMs }
        : {}),
      ...(subscriberOptions.session?.rebalanceTimeoutMs
        ? { rebalanceTimeoutMs: subscriberOptions.session.rebalanceTimeoutMs }
        : {}),
      ...(subscriberOptions.fetch?.maxBytesPerPartition
        ? { maxBytesPerPartition: subscriberOptions.fetch.maxBytesPerPartition }
        : {}),
      ...(subscriberOptions.fetch?.maxWaitTimeMs ? { maxWaitTimeMs: subscriberOptions.fetch.maxWaitTimeMs } : {}),
    });
    this.producer = o.deadLetter ? this.kafka.producer({ idempotent: true }) : undefined;
    this.committer = new Committer(o.groupId, (topic, partition) => this.assignment.has(key(topic, partition)));
    this.topicsByName = new Map(o.topics.map((t) => [t.name, t]));
    const skipped = new Set(
      o.topics
        .flatMap((t) => (t.events as readonly AnyEventDefinition[]).map((e) => e.type))
        .filter((type) => o.ignore.has(type) || (!o.handlers[type] && o.unhandled === 'skip')),
    );
    // Only when some declared type is skipped is the type header looked at.
    const skips = skipped.size > 0 ? (type: string) => skipped.has(type) : undefined;
    let chain: MessageHandler = dispatch(o.handlers, o.unhandled);
    for (const middleware of [...o.middleware].reverse()) {
      // User middleware may return thenables too: adopted once, where they enter the chain.
      const step = middleware(chain);
      chain = (message) => normalised(step(message));
    }
    chain = timeout(o.handlerTimeoutMs)(chain);
    chain = decode(o.serde, skips)(chain);
    chain = retry(o.retry, (error) => {
      this.counters.retried++;
      this.lastError = error;
    })(chain);
    if (this.producer && o.deadLetter) {
      const target = o.deadLetter;
      chain = deadLetter(this.producer, {
        topicFor: target.topicFor,
        // A topic the cluster did not list counts 0: one partition, as before it was read.
        partitionsOf: (topic) => this.deadLetterPartitions?.known(topic) || 1,
        onSendError: (error) => {
          this.lastError = error;
        },
      })(chain);
    }
    // Retries are counted through the callback, not by listening on channels.record: a
    // listener there makes every record build and publish its outcome message.
    this.pipeline = chain;
  }

  start(): Promise<void> {
    const o = this.options;
    // startTimeoutMs bounds the whole start, connecting included: a broker or registry that
    // accepts connections and never answers must not hold it longer.
    this.starting ??= withinDeadline(this.doStart(), o.startTimeoutMs, () => {
      this.startAbandoned = true;
      return new KbusError(
        'TIMEOUT',
        `the subscriber of group ${o.groupId} did not start within ${o.startTimeoutMs} ms (startTimeoutMs) while ${this.startPhase}`,
        { retriable: true, details: { phase: this.startPhase, brokers: [...this.kafka.options.brokers] } },
      );
    }).catch(async (error: unknown) => {
      this.state = 'crashed';
      this.lastError = error;
      // Whatever start was waiting on is given up, not waited for: the Kafka client closes
      // those connections once their pending request times out (requestTimeoutMs).
      this.startAdmin?.disconnect().catch(() => {});
      this.consumer.disconnect().catch(() => {});
      this.producer?.disconnect().catch(() => {});
      throw error;
    });
    return this.starting;
  }

  /** Between the steps of a start that timed out: go no further. */
  private checkStart(phase: string): void {
    if (this.startAbandoned) throw new KbusError('CLIENT_CLOSED', 'start() timed out; create a new subscriber');
    this.startPhase = phase;
  }

  private async doStart(): Promise<void> {
    if (this.stopping) throw new KbusError('CLIENT_CLOSED', 'the subscriber was stopped; create a new one');
    this.state = 'starting';
    const o = this.options;
    const brokers = this.kafka.options.brokers.join(', ');
    // Without the registry nothing can be decoded: say so now rather than stall later.
    this.checkStart(`reaching the schema registry at ${o.serde.registry.url}`);
    await o.serde.registry.ping();
    this.checkStart(`reading topic metadata from the Kafka cluster at ${brokers}`);
    const admin = this.kafka.admin();
    this.startAdmin = admin;
    await admin.connect();
    try {
      const sources = await admin.topics(o.topics.map((t) => t.name));
      if (o.deadLetter) {
        const sourcePartitions = new Map(sources.map((t) => [t.name, t.partitions.length]));
        const existing = new Set(await admin.listTopics());
        const wanted = new Map(
          o.topics.map((t) => [o.deadLetter?.topicFor(t.name) as string, sourcePartitions.get(t.name) ?? 1]),
        );
        const deadLetterPartitions = new PartitionCounts(admin, { maxAgeMs: Number.POSITIVE_INFINITY });
        const missing = [...wanted.keys()].filter((name) => !existing.has(name));
        if (missing.length > 0) {
          if (!o.deadLetter.createTopics) {
            throw new KbusError(
              'TOPIC_NOT_FOUND',
              `dead-letter topic(s) ${missing.join(', ')} do not exist; create them or set deadLetter.createTopics: true`,
            );
          }
          // As many partitions as the source, so a record can keep its partition number.
          await admin.createTopics(missing.map((name) => ({ name, partitions: wanted.get(name) ?? 1 })));
          for (const name of missing) deadLetterPartitions.remember(name, wanted.get(name) ?? 1);
        }
        const present = [...wanted.keys()].filter((name) => existing.has(name));
        if (present.length > 0) await deadLetterPartitions.refresh(present);
        this.deadLetterPartitions = deadLetterPartitions;
      }
      await prepareStartOffsets(admin, o.groupId, o.topics, o.startFrom);
    } finally {
      this.startAdmin = undefined;
      await admin.disconnect();
    }
    this.checkStart(`connecting the dead-letter producer to the Kafka cluster at ${brokers}`);
    await this.producer?.connect();
    this.consumer.on('group.join', (assignment) => this.onGroupJoin(assignment));
    this.consumer.on('rebalancing', () => this.beginRevoke());
    this.consumer.on('fetch', () => {
      this.lastPollAt = Date.now();
    });
    this.consumer.on('crash', (error, restarting) => {
      this.lastError = error;
      // A retriable failure (a coordinator still loading, a broker gone) restarts the client
      // by itself; start() keeps waiting for the join, within startTimeoutMs.
      if (restarting) return;
      this.state = 'crashed';
      this.joined?.reject(error);
    });
    this.checkStart(`connecting the consumer to the Kafka cluster at ${brokers}`);
    await this.consumer.connect();
    this.checkStart(`joining group ${o.groupId} at the Kafka cluster at ${brokers}`);
    await this.consumer.subscribe(
      o.topics.map((t) => t.name),
      o.startFrom !== 'latest',
    );
    const joined = new Promise<void>((resolve, reject) => {
      this.joined = { resolve, reject };
    });
    await this.consumer.run({
      partitionsConsumedConcurrently: o.partitionConcurrency,
      eachBatch: (batch, context) => this.onBatch(batch, context),
    });
    await joined;
    this.checkStart('running');
    this.state = 'running';
  }

  private onGroupJoin(assignment: Assignment): void {
    const next = new Set<string>();
    for (const [topic, partitions] of Object.entries(assignment)) for (const p of partitions) next.add(key(topic, p));
    for (const owned of this.assignment) {
      if (!next.has(owned)) {
        this.partitionStates.delete(owned);
        const [topic, partition] = owned.split('\u0000') as [string, string];
        this.committer.forget(topic, Number(partition));
      }
    }
    this.assignment = next;
    this.assignmentView = assignment;
    this.epoch++;
    this.revoking = false;
    this.lifecycle = new AbortController();
    if (channels.rebalance.hasSubscribers) {
      channels.rebalance.publish({
        groupId: this.options.groupId,
        phase: 'assigned',
        assignment,
      } satisfies RebalanceMessage);
    }
    this.joined?.resolve();
  }

  /** A rebalance began: start no new records, let in-flight ones finish within a bound, commit what is done. */
  private beginRevoke(): void {
    if (this.revoking || this.stopping) return;
    this.revoking = true;
    const controller = this.lifecycle;
    setTimeout(
      () => controller.abort(new KbusError('PARTITION_REVOKED', 'partitions revoked')),
      this.options.revokeTimeoutMs,
    ).unref();
    if (channels.rebalance.hasSubscribers) {
      channels.rebalance.publish({ groupId: this.options.groupId, phase: 'revoking' } satisfies RebalanceMessage);
    }
    // The old generation may still commit while the group prepares the rebalance.
    this.committer.flush((offsets) => this.consumer.commit(offsets)).catch(() => {});
  }

  private async onBatch(batch: ConsumedBatch, context: BatchContext): Promise<void> {
    const partitionKey = key(batch.topic, batch.partition);
    let state = this.partitionStates.get(partitionKey);
    if (!state) {
      state = { watermark: this.committer.committedPosition(batch.topic, batch.partition), tail: Promise.resolve() };
      this.partitionStates.set(partitionKey, state);
    }
    const previous = state.tail;
    let release: () => void = () => {};
    state.tail = new Promise((resolve) => {
      release = resolve;
    });
    const run = previous.then(() => this.process(batch, context, state));
    this.activeBatches.add(run);
    try {
      await run;
    } finally {
      this.activeBatches.delete(run);
      release();
    }
  }

  private async process(batch: ConsumedBatch, context: BatchContext, state: PartitionState): Promise<void> {
    const epoch = this.epoch;
    const signal = this.lifecycle.signal;
    const halted = () =>
      this.stopping || this.revoking || epoch !== this.epoch || !context.isRunning() || context.isStale();
    if (halted()) return;
    const topic = this.topicsByName.get(batch.topic);
    if (!topic) return;
    const commit: CommitFunction = (offsets) => context.commit(offsets);
    const position = this.committer.position(batch.topic, batch.partition);
    const beat = setInterval(() => {
      context.heartbeat().catch((error: unknown) => {
        if ((error as KbusError)?.code === 'PARTITION_REVOKED') this.beginRevoke();
      });
    }, this.options.heartbeatIntervalMs);
    // The offset of the last finished record: the partition's watermark is computed from it
    // when the batch ends, not once per record.
    let lastFinished: string | undefined;
    const finished = (record: ConsumedRecord) => {
      lastFinished = record.offset;
      context.resolveOffset(record.offset);
      this.committer.mark(position, record.offset);
      this.finishedSinceCommit++;
      if (
        this.finishedSinceCommit >= this.options.commitEveryRecords ||
        Date.now() - this.lastCommitAt >= this.options.commitIntervalMs
      ) {
        // Not awaited: handling goes on while the commit travels (the committer sends one at
        // a time).
        this.commitSoon(commit);
      }
    };
    // Records this member already finished (a batch fetched again after a rebalance) can only
    // lead the batch: offsets ascend, so the check stops at the first new one.
    const watermark = state.watermark;
    let skipping = watermark !== undefined;
    const finishedBefore = (record: ConsumedRecord): boolean => {
      if (!skipping) return false;
      if (BigInt(record.offset) < (watermark as bigint)) {
        this.counters.duplicatesSkipped++;
        return true;
      }
      skipping = false;
      return false;
    };
    const heartbeat = () => context.heartbeat();
    const inbound = (record: ConsumedRecord): InboundMessage => ({
      groupId: this.options.groupId,
      topic,
      partition: batch.partition,
      highWatermark: batch.highWatermark,
      record,
      decoded: undefined,
      attempt: 1,
      outcome: undefined,
      lifecycle: signal,
      attempt$: undefined,
      heartbeat,
    });
    const done = (message: InboundMessage, started: number): boolean => {
      // The timeout middleware abandons an attempt once the partition is released.
      if (signal.aborted) return false;
      this.account(message, started === 0 ? 0 : performance.now() - started);
      return true;
    };
    const broken = (error: unknown): boolean => {
      // The chain handles every failure itself; reaching here is a bug or the partition was
      // released. Leave the record uncommitted (it will be redelivered) and stop this batch.
      if (!isAborted(error)) this.lastError = error;
      return false;
    };
    // Whether the record is done; synchronous when the whole chain was (per-key concurrency).
    const handle = (record: ConsumedRecord): boolean | Promise<boolean> => {
      const message = inbound(record);
      const started = channels.record.hasSubscribers ? performance.now() : 0;
      let result: void | Promise<void>;
      try {
        result = this.pipeline(message);
      } catch (error) {
        return broken(error);
      }
      return isPromise(result) ? result.then(() => done(message, started), broken) : done(message, started);
    };
    try {
      if (this.options.perKeyConcurrency > 1) {
        await this.runConcurrently(batch, finishedBefore, halted, handle, finished, signal);
      } else {
        for (const record of batch.records) {
          if (halted()) break;
          if (finishedBefore(record)) {
            context.resolveOffset(record.offset);
            continue;
          }
          // handle() inlined: one await per record, no promise or closures of its own.
          const message = inbound(record);
          const started = channels.record.hasSubscribers ? performance.now() : 0;
          let ok: boolean;
          try {
            const result = this.pipeline(message);
            if (isPromise(result)) await result;
            ok = done(message, started);
          } catch (error) {
            ok = broken(error);
          }
          if (!ok) break;
          finished(record);
        }
      }
    } finally {
      if (lastFinished !== undefined) state.watermark = BigInt(lastFinished) + 1n;
      clearInterval(beat);
      if (halted()) {
        // The partition is being released or the subscriber stops: the commit lands before
        // the group moves on (Java's commitSync in onPartitionsRevoked).
        await this.commitNow(commit);
      } else {
        // Otherwise it travels while the next batch runs (Java's commitAsync in the poll
        // loop): the committer keeps one commit in flight and folds later positions into
        // the next; failures are recorded there, and revoke and stop flush what is left.
        this.commitSoon(commit);
      }
    }
  }

  /**
   * Per-key concurrency: up to N records of one partition run at once, records of one key
   * strictly one after another; the commit position is the end of the contiguous prefix of
   * finished records.
   */
  private async runConcurrently(
    batch: ConsumedBatch,
    finishedBefore: (record: ConsumedRecord) => boolean,
    halted: () => boolean,
    handle: (record: ConsumedRecord) => boolean | Promise<boolean>,
    finished: (record: ConsumedRecord) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const records = batch.records;
    const done = new Uint8Array(records.length);
    let prefix = 0;
    let inFlight = 0;
    let wake: (() => void) | undefined;
    const chains = new Map<string, Promise<void>>();
    const advance = () => {
      let last: ConsumedRecord | undefined;
      while (prefix < records.length && done[prefix]) last = records[prefix++];
      if (last) finished(last);
    };
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as ConsumedRecord;
      if (halted()) break;
      if (finishedBefore(record)) {
        done[i] = 1;
        advance();
        continue;
      }
      while (inFlight >= this.options.perKeyConcurrency && !halted()) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      if (halted()) break;
      inFlight++;
      const index = i;
      const recordKey = record.key ? record.key.toString('latin1') : `\u0000${index}`;
      const previous = chains.get(recordKey);
      // Chained on the previous record of the same key: if that one did not finish, this
      // one does not run (the rejection propagates), so a key's records never overtake.
      const run = (previous ?? Promise.resolve()).then(async () => {
        if (halted() || !(await handle(record))) throw new Error('not finished');
        done[index] = 1;
        advance();
      });
      chains.set(recordKey, run);
      run
        .catch(() => {})
        .finally(() => {
          if (chains.get(recordKey) === run) chains.delete(recordKey);
          inFlight--;
          const resume = wake;
          wake = undefined;
          resume?.();
        });
    }
    await untilAborted(Promise.allSettled([...chains.values()]), signal);
  }

  private account(message: InboundMessage, durationMs: number): void {
    const outcome = message.outcome ?? 'handled';
    if (outcome === 'handled') this.counters.handled++;
    else if (outcome === 'skipped') this.counters.skipped++;
    else this.counters.deadLettered++;
    if (outcome !== 'dead-lettered') reportOutcome(message, outcome, durationMs);
  }

  private async commitNow(commit: CommitFunction): Promise<void> {
    this.finishedSinceCommit = 0;
    this.lastCommitAt = Date.now();
    await this.committer.flush(commit);
  }

  /** A commit nobody waits for: the committer records refusals; anything else becomes the last error. */
  private commitSoon(commit: CommitFunction): void {
    this.commitNow(commit).catch((error: unknown) => {
      this.lastError = error;
    });
  }

  stop(): Promise<void> {
    this.stopped ??= this.doStop();
    return this.stopped;
  }

  private async doStop(): Promise<void> {
    if (this.state === 'idle') {
      this.state = 'stopped';
      return;
    }
    await this.starting?.catch(() => {});
    this.stopping = true;
    this.state = 'stopping';
    const controller = this.lifecycle;
    const timer = setTimeout(
      () => controller.abort(new KbusError('CLIENT_CLOSED', 'subscriber stopping')),
      this.options.shutdownTimeoutMs,
    );
    try {
      // In-flight handlers finish (or are abandoned at the deadline, uncommitted).
      await untilAborted(Promise.allSettled([...this.activeBatches]), controller.signal);
      await this.committer.flush((offsets) => this.consumer.commit(offsets)).catch(() => {});
    } finally {
      clearTimeout(timer);
      controller.abort(new KbusError('CLIENT_CLOSED', 'subscriber stopped'));
      this.assignment = new Set();
      this.assignmentView = {};
      await this.consumer.stop().catch(() => {});
      await this.consumer.disconnect().catch(() => {});
      await this.producer?.disconnect().catch(() => {});
      this.state = 'stopped';
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  health(): SubscriberHealth {
    return {
      state: this.state,
      connected: this.state === 'running' && !this.revoking,
      assignment: this.assignmentView,
      lastPollAt: this.lastPollAt,
      lastError: this.lastError ?? this.committer.lastError,
    };
  }

  stats(): SubscriberStats {
    return { ...this.counters, commits: this.committer.commits };
  }

  async lag(): Promise<PartitionLag[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await partitionLag(admin, this.options.groupId, this.options.topics);
    } finally {
      await admin.disconnect();
    }
  }

  stopOnSignals(signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): () => void {
    const onSignal = () => {
      this.stop().catch(() => {});
    };
    for (const signal of signals) process.once(signal, onSignal);
    return () => {
      for (const signal of signals) process.removeListener(signal, onSignal);
    };
  }
}

/**
 * Creates a subscriber: a consumer-group member that hands each event of its topics to the
 * handler of its type, and commits an offset only after the record was handled (or
 * dead-lettered). At-least-once, in order per partition (per key with perKey concurrency).
 *
 * @example
 * const subscriber = createSubscriber({
 *   groupId: 'group-management',
 *   brokers: ['localhost:9092'],
 *   registry: { url: 'http://localhost:8081' },
 *   topics: [UserAccountTopic],
 *   handlers: {
 *     'user-account.deleted': async (event) => memberships.removeAccount(event.payload.accountId),
 *   },
 *   ignore: ['user-account.email-changed'],
 * });
 * await subscriber.start();
 */
export function createSubscriber<const T extends readonly AnyTopicDefinition[]>(
  options: SubscriberOptions<T>,
): Subscriber {
  return new KafkaSubscriber(options as unknown as SubscriberOptions<readonly AnyTopicDefinition[]>);
}
