import { KbusError } from '@kbus/core';
import { describe, expect, it } from 'vitest';
import { type PartitionCountSource, PartitionCounts } from '../src/partition-counts.ts';
import type { TopicInfo } from '../src/types.ts';

/** A cluster of topic → partition count that records what it was asked. */
function cluster(initial: Record<string, number>) {
  const counts = new Map(Object.entries(initial));
  const asked: string[][] = [];
  let failing: Error | undefined;
  const source: PartitionCountSource = {
    async topics(names: readonly string[]): Promise<TopicInfo[]> {
      asked.push([...names]);
      if (failing) throw failing;
      return names
        .filter((name) => counts.has(name))
        .map((name) => ({
          name,
          partitions: Array.from({ length: counts.get(name) ?? 0 }, (_, partition) => ({
            partition,
            leader: 1,
            replicas: [1],
            isr: [1],
          })),
        }));
    },
  };
  return {
    source,
    asked,
    set: (topic: string, count: number) => counts.set(topic, count),
    fail: (error: Error | undefined) => {
      failing = error;
    },
  };
}

function clock(start = 1_000) {
  let time = start;
  return { now: () => time, advance: (ms: number) => (time += ms) };
}

describe('PartitionCounts', () => {
  it('reads a count once and serves it from the cache while younger than maxAgeMs', async () => {
    const kafka = cluster({ orders: 3 });
    const time = clock();
    const counts = new PartitionCounts(kafka.source, { maxAgeMs: 1_000, now: time.now });
    expect(counts.known('orders')).toBeUndefined();
    expect(await counts.count('orders')).toBe(3);
    kafka.set('orders', 6);
    time.advance(999);
    expect(await counts.count('orders')).toBe(3);
    expect(kafka.asked).toEqual([['orders']]);
    time.advance(1);
    expect(await counts.count('orders')).toBe(6);
    expect(kafka.asked).toHaveLength(2);
  });

  it('shares one read between concurrent asks for a topic', async () => {
    const kafka = cluster({ orders: 4 });
    const counts = new PartitionCounts(kafka.source, { maxAgeMs: Number.POSITIVE_INFINITY });
    expect(await Promise.all([counts.count('orders'), counts.count('orders')])).toEqual([4, 4]);
    expect(kafka.asked).toHaveLength(1);
  });

  it('with an infinite age, reads again only after a caller saw a partition the count does not cover', async () => {
    const kafka = cluster({ orders: 2 });
    const time = clock();
    const counts = new PartitionCounts(kafka.source, { maxAgeMs: Number.POSITIVE_INFINITY, now: time.now });
    expect(await counts.count('orders')).toBe(2);
    kafka.set('orders', 5);
    time.advance(10 ** 9);
    counts.sawPartition('orders', 1);
    expect(await counts.count('orders')).toBe(2);
    counts.sawPartition('orders', 4);
    expect(counts.known('orders')).toBeUndefined();
    expect(await counts.count('orders')).toBe(5);
    expect(kafka.asked).toHaveLength(2);
  });

  it('a partition still not covered after the re-read costs no further reads until the count ages out', async () => {
    const kafka = cluster({ orders: 2 });
    const time = clock();
    const counts = new PartitionCounts(kafka.source, { maxAgeMs: 1_000, now: time.now });
    await counts.count('orders');
    for (let i = 0; i < 3; i++) {
      counts.sawPartition('orders', 9);
      expect(await counts.count('orders')).toBe(2);
    }
    expect(kafka.asked).toHaveLength(2);
    time.advance(1_000);
    await counts.count('orders');
    counts.sawPartition('orders', 9);
    expect(counts.known('orders')).toBeUndefined();
    expect(kafka.asked).toHaveLength(3);
  });

  it('refresh reads every given topic now, whatever its age; a topic the cluster does not list counts 0', async () => {
    const kafka = cluster({ a: 1, b: 2 });
    const counts = new PartitionCounts(kafka.source, { maxAgeMs: Number.POSITIVE_INFINITY });
    await counts.count('a');
    kafka.set('a', 7);
    expect(await counts.refresh(['a', 'b', 'gone'])).toEqual(
      new Map([
        ['a', 7],
        ['b', 2],
        ['gone', 0],
      ]),
    );
    expect(counts.known('a')).toBe(7);
    expect(counts.known('gone')).toBe(0);
    expect(kafka.asked).toEqual([['a'], ['a', 'b', 'gone']]);
  });

  it('remember caches a count as if read now', async () => {
    const kafka = cluster({});
    const time = clock();
    const counts = new PartitionCounts(kafka.source, { maxAgeMs: 100, now: time.now });
    counts.remember('dlt', 3);
    expect(await counts.count('dlt')).toBe(3);
    expect(kafka.asked).toHaveLength(0);
  });

  it('a failed read rethrows the admin error and keeps the cached count; the next ask reads again', async () => {
    const kafka = cluster({ orders: 3 });
    const time = clock();
    const counts = new PartitionCounts(kafka.source, { maxAgeMs: 0, now: time.now });
    expect(await counts.count('orders')).toBe(3);
    const refused = new KbusError('TOPIC_NOT_FOUND', 'reading metadata: the topic does not exist');
    kafka.fail(refused);
    await expect(counts.count('orders')).rejects.toBe(refused);
    expect(counts.known('orders')).toBe(3);
    kafka.fail(undefined);
    kafka.set('orders', 4);
    expect(await counts.count('orders')).toBe(4);
  });
});
