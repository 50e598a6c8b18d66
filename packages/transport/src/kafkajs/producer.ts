import { KbusError } from '@kbus/core';
import { CompressionTypes, type Kafka, type Producer as KafkaJsProducer, type Message, Partitioners } from 'kafkajs';
import type { ClientOptions, OutgoingRecord, PartitionAck, Producer, ProducerOptions, TopicRecords } from '../types.ts';
import { connectFailure } from './config.ts';
import { fromClientError } from './errors.ts';

/**
 * Answers that mean the broker no longer accepts this producer's idempotence state (a batch
 * it never received left a gap in the sequence numbers, typically after a send timed out
 * during an outage). kafkajs cannot recover from them; a fresh producer id can (what
 * Java's client does by bumping the epoch, KIP-360).
 */
const PRODUCER_STATE_LOST = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH']);

export class KafkaJsProducerAdapter implements Producer {
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
