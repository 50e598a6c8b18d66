import { KbusError } from '@kbus/core';
import type { EachBatchPayload, Kafka, Consumer as KafkaJsConsumer } from 'kafkajs';
import { groupCoordinatorRefusal } from '../platformatic/admin-probe.ts';
import type {
  Assignment,
  BatchContext,
  ClientOptions,
  ConsumedRecord,
  Consumer,
  ConsumerEvents,
  ConsumerOptions,
  OffsetToCommit,
} from '../types.ts';
import { connectFailure } from './config.ts';
import { fromClientError } from './errors.ts';
import { guardStoppedRunnerFetch } from './runner-guard.ts';

export class KafkaJsConsumerAdapter implements Consumer {
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
        brokers: this.brokers,
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
              throw fromClientError(error, `heartbeat of group ${this.groupId}`, 'KAFKA_ERROR', {
                group: this.groupId,
                brokers: this.brokers,
              });
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
        brokers: this.brokers,
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
