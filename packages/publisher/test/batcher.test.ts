import type { PartitionAck, Producer, TopicRecords } from '@kbus/transport';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Batcher, offsetAfter, type PendingRecord } from '../src/batcher.ts';

/**
 * The batcher's own logic (coalescing, offsets, deadlines, settling once) with a producer
 * whose sends the test completes by hand. The Kafka behaviour itself is covered by the
 * integration tests against a real broker.
 */
class ManualProducer implements Producer {
  readonly sends: Array<{
    batch: readonly TopicRecords[];
    resolve: (acks: PartitionAck[]) => void;
    reject: (error: unknown) => void;
  }> = [];

  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  send(batch: readonly TopicRecords[]): Promise<PartitionAck[]> {
    return new Promise((resolve, reject) => this.sends.push({ batch, resolve, reject }));
  }
}

interface Outcome {
  resolved: Array<{ partition: number; offset: string }>;
  rejected: unknown[];
}

function record(partition: number, deadline: number, outcome: Outcome): PendingRecord {
  return {
    topic: 't',
    record: { key: 'k', value: Buffer.from('v'), partition },
    bytes: 2,
    deadline,
    settled: false,
    resolve: (ack) => outcome.resolved.push(ack),
    reject: (error) => outcome.rejected.push(error),
  };
}

describe('Batcher', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('coalesces records added together into one send and gives each its own offset', async () => {
    const producer = new ManualProducer();
    const batcher = new Batcher(producer, { lingerMs: 0, maxRecords: 100, maxBytes: 1_000, sweepEveryMs: 100 });
    const outcome: Outcome = { resolved: [], rejected: [] };
    for (const partition of [0, 1, 0]) batcher.add(record(partition, Date.now() + 5_000, outcome));
    await vi.advanceTimersByTimeAsync(0);
    expect(producer.sends).toHaveLength(1);
    expect(producer.sends[0]?.batch[0]?.records).toHaveLength(3);
    producer.sends[0]?.resolve([
      { topic: 't', partition: 0, baseOffset: '10' },
      { topic: 't', partition: 1, baseOffset: '7' },
    ]);
    await batcher.drain();
    expect(outcome.resolved).toEqual([
      { partition: 0, offset: '10' },
      { partition: 1, offset: '7' },
      { partition: 0, offset: '11' },
    ]);
    expect(outcome.rejected).toEqual([]);
  });

  it('fails a stuck send at its deadline, once: a late answer settles nobody again', async () => {
    const producer = new ManualProducer();
    const batcher = new Batcher(producer, { lingerMs: 0, maxRecords: 100, maxBytes: 1_000, sweepEveryMs: 100 });
    const outcome: Outcome = { resolved: [], rejected: [] };
    const pending = [record(0, Date.now() + 1_000, outcome), record(1, Date.now() + 3_000, outcome)];
    for (const p of pending) batcher.add(p);
    await vi.advanceTimersByTimeAsync(0);
    expect(producer.sends).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(900);
    expect(outcome.rejected).toHaveLength(0);
    // The earliest deadline of the batch counts; the sweep comes within sweepEveryMs of it.
    await vi.advanceTimersByTimeAsync(200);
    expect(outcome.rejected).toHaveLength(2);
    expect(outcome.rejected[0]).toMatchObject({ code: 'TIMEOUT', retriable: true });

    // A record queued behind the stuck send times out there, and is not sent afterwards.
    batcher.add(record(0, Date.now() + 500, outcome));
    await vi.advanceTimersByTimeAsync(600);
    expect(outcome.rejected).toHaveLength(3);

    producer.sends[0]?.resolve([
      { topic: 't', partition: 0, baseOffset: '0' },
      { topic: 't', partition: 1, baseOffset: '0' },
    ]);
    await batcher.drain();
    expect(outcome.resolved).toEqual([]);
    expect(outcome.rejected).toHaveLength(3);
    expect(producer.sends).toHaveLength(1);
  });

  it('fails every record of a send the producer rejects, and a partition without acknowledgement', async () => {
    const producer = new ManualProducer();
    const batcher = new Batcher(producer, { lingerMs: 0, maxRecords: 2, maxBytes: 1_000, sweepEveryMs: 100 });
    const outcome: Outcome = { resolved: [], rejected: [] };
    for (const partition of [0, 0, 1, 2]) batcher.add(record(partition, Date.now() + 5_000, outcome));
    await vi.advanceTimersByTimeAsync(0);
    // maxRecords 2: the first send carries two records, the rest wait for it.
    expect(producer.sends).toHaveLength(1);
    producer.sends[0]?.reject(new Error('broker gone'));
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.rejected.map((e) => (e as Error).message)).toEqual(['broker gone', 'broker gone']);
    expect(producer.sends).toHaveLength(2);
    producer.sends[1]?.resolve([{ topic: 't', partition: 1, baseOffset: '4' }]);
    await batcher.drain();
    expect(outcome.resolved).toEqual([{ partition: 1, offset: '4' }]);
    expect(outcome.rejected[2]).toMatchObject({ code: 'PUBLISH_FAILED' });
  });
});

describe('offsetAfter', () => {
  it('adds exactly, below and beyond 2^53', () => {
    expect(offsetAfter('10', 0)).toBe('10');
    expect(offsetAfter('10', 5)).toBe('15');
    expect(offsetAfter('999999999999999', 1)).toBe('1000000000000000');
    expect(offsetAfter('9007199254740991', 2)).toBe('9007199254740993');
    expect(offsetAfter('9223372036854775800', 7)).toBe('9223372036854775807');
  });
});
