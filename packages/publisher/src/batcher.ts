import { channels, KbusError, type PublishBatchMessage } from '@kbus/core';
import type { OutgoingRecord, PartitionAck, Producer } from '@kbus/transport';

export interface PendingRecord {
  readonly topic: string;
  readonly record: OutgoingRecord;
  readonly bytes: number;
  /** Epoch ms after which the caller gets a TIMEOUT instead of waiting longer. */
  readonly deadline: number;
  /** Set once the caller heard back; the batcher settles each record once only. */
  settled: boolean;
  resolve(ack: { partition: number; offset: string }): void;
  reject(error: unknown): void;
}

export interface BatcherOptions {
  readonly lingerMs: number;
  readonly maxRecords: number;
  readonly maxBytes: number;
  /** How often deadlines are checked (queued records and the send in flight). */
  readonly sweepEveryMs: number;
}

function succeed(pending: PendingRecord, ack: { partition: number; offset: string }): void {
  if (pending.settled) return;
  pending.settled = true;
  pending.resolve(ack);
}

function fail(pending: PendingRecord, error: unknown): void {
  if (pending.settled) return;
  pending.settled = true;
  pending.reject(error);
}

function deliveryTimeout(pending: PendingRecord): KbusError {
  return new KbusError(
    'TIMEOUT',
    `${pending.topic}[${pending.record.partition}]: no acknowledgement within the delivery timeout; the event may or may not ` +
      'have been written (publishing it again can duplicate it; consumers de-duplicate on the event id)',
    { retriable: true },
  );
}

/**
 * Coalesces records into sends. One send is in flight at a time (the idempotent producer
 * allows no more); records arriving meanwhile wait and go together in the next send. With
 * nothing in flight, a send leaves at the end of the current tick (plus `lingerMs`), so a
 * lone publish is not delayed and a burst of publish() calls becomes one send.
 */
export class Batcher {
  private readonly queue: PendingRecord[] = [];
  private inFlight: Promise<void> | undefined;
  /** The records of the send in flight and their earliest deadline. */
  private sending: { readonly batch: PendingRecord[]; readonly deadline: number } | undefined;
  private scheduled: NodeJS.Timeout | true | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly producer: Producer;
  private readonly options: BatcherOptions;

  constructor(producer: Producer, options: BatcherOptions) {
    this.producer = producer;
    this.options = options;
  }

  get pending(): number {
    return this.queue.length;
  }

  add(pending: PendingRecord): void {
    this.queue.push(pending);
    this.sweeper ??= setInterval(() => this.sweep(), this.options.sweepEveryMs).unref();
    if (this.inFlight || this.scheduled) return;
    if (this.queue.length >= this.options.maxRecords) {
      this.sendNext();
    } else if (this.options.lingerMs > 0) {
      this.scheduled = setTimeout(() => this.sendNext(), this.options.lingerMs);
    } else {
      // At the end of the current tick: publish() calls made together (a loop, Promise.all)
      // go out as one send, and a lone publish is not delayed.
      this.scheduled = true;
      queueMicrotask(() => this.sendNext());
    }
  }

  /** Sends what is queued without waiting for company (publishMany, close). */
  flushSoon(): void {
    if (this.inFlight || this.queue.length === 0) return;
    this.sendNext();
  }

  /** Resolves once nothing is queued or in flight. */
  async drain(): Promise<void> {
    this.flushSoon();
    while (this.inFlight) await this.inFlight;
    if (this.sweeper && this.queue.length === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  /**
   * Fails records whose delivery deadline passed: queued ones behind a stuck send, and those
   * of the send in flight (callers hear back even if the client keeps retrying longer; the
   * send still completes before the next one starts). One timer for all, not one per send.
   */
  private sweep(): void {
    const now = Date.now();
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const pending = this.queue[i] as PendingRecord;
      if (pending.deadline <= now) {
        this.queue.splice(i, 1);
        fail(pending, deliveryTimeout(pending));
      }
    }
    if (this.sending && this.sending.deadline <= now) {
      for (const pending of this.sending.batch) fail(pending, deliveryTimeout(pending));
    }
    if (this.queue.length === 0 && !this.inFlight && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private sendNext(): void {
    if (this.scheduled) {
      if (this.scheduled !== true) clearTimeout(this.scheduled);
      this.scheduled = undefined;
    }
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.take();
    this.inFlight = this.send(batch).finally(() => {
      this.inFlight = undefined;
      // Whatever arrived during the send has waited long enough.
      if (this.queue.length > 0) this.sendNext();
    });
  }

  private take(): PendingRecord[] {
    let bytes = 0;
    let count = 0;
    while (count < this.queue.length && count < this.options.maxRecords) {
      const next = this.queue[count] as PendingRecord;
      if (count > 0 && bytes + next.bytes > this.options.maxBytes) break;
      bytes += next.bytes;
      count++;
    }
    return this.queue.splice(0, count);
  }

  private async send(batch: PendingRecord[]): Promise<void> {
    const started = performance.now();
    // Group by topic, then partition, keeping call order: offsets within a partition follow it.
    const byTopic = new Map<string, PendingRecord[]>();
    let bytes = 0;
    let deadline = Number.POSITIVE_INFINITY;
    for (const pending of batch) {
      bytes += pending.bytes;
      if (pending.deadline < deadline) deadline = pending.deadline;
      const list = byTopic.get(pending.topic);
      if (list) list.push(pending);
      else byTopic.set(pending.topic, [pending]);
    }
    this.sending = { batch, deadline };
    let acks: PartitionAck[];
    try {
      acks = await this.producer.send(
        [...byTopic].map(([topic, list]) => ({ topic, records: list.map((p) => p.record) })),
      );
    } catch (error) {
      for (const pending of batch) fail(pending, error);
      publishBatch({ records: batch.length, bytes, durationMs: performance.now() - started, error });
      return;
    } finally {
      this.sending = undefined;
    }
    // Offsets: the partition's base offset, then one more per record of that partition, in
    // the order the records were sent (call order within a topic).
    for (const [topic, list] of byTopic) {
      const bases = new Map<number, string>();
      for (const ack of acks) if (ack.topic === topic) bases.set(ack.partition, ack.baseOffset);
      const counts = new Map<number, number>();
      for (const pending of list) {
        const partition = pending.record.partition;
        const base = bases.get(partition);
        if (base === undefined || base.startsWith('-')) {
          fail(
            pending,
            new KbusError('PUBLISH_FAILED', `the broker's answer has no acknowledgement for ${topic}[${partition}]`, {
              retriable: true,
            }),
          );
          continue;
        }
        const index = counts.get(partition) ?? 0;
        counts.set(partition, index + 1);
        succeed(pending, { partition, offset: offsetAfter(base, index) });
      }
    }
    publishBatch({ records: batch.length, bytes, durationMs: performance.now() - started });
  }
}

/**
 * `base` + `index` as a decimal string. Offsets below 2^53 add exactly as numbers (a partition
 * would need centuries at a million records a second to pass that); beyond, as bigints.
 */
export function offsetAfter(base: string, index: number): string {
  if (index === 0) return base;
  return base.length < 16 ? String(Number(base) + index) : (BigInt(base) + BigInt(index)).toString();
}

function publishBatch(message: PublishBatchMessage): void {
  if (channels.publishBatch.hasSubscribers) channels.publishBatch.publish(message);
}
