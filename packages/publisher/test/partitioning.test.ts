import { readFileSync } from 'node:fs';
import { murmur2, partitionForKey } from '@kbus/transport';
import { describe, expect, it } from 'vitest';

interface Golden {
  readonly generatedBy: string;
  readonly kafkaClients: string;
  readonly partitionCounts: readonly number[];
  readonly vectors: ReadonlyArray<{ key: string; murmur2: number; partitions: readonly number[] }>;
}

// Made by the Java client itself (org.apache.kafka:kafka-clients, BuiltInPartitioner.partitionForKey):
// `bash packages/publisher/test/golden/generate.sh`.
const golden = JSON.parse(readFileSync(new URL('./golden/murmur2-vectors.json', import.meta.url), 'utf8')) as Golden;

describe('partitioning by aggregate id matches the Java client', () => {
  it('covers empty, ASCII, multi-byte UTF-8 and long keys', () => {
    expect(golden.vectors.length).toBeGreaterThanOrEqual(1000);
    expect(golden.vectors.some((v) => v.key === '')).toBe(true);
    expect(golden.vectors.some((v) => Buffer.byteLength(v.key) > v.key.length)).toBe(true);
    expect(golden.vectors.some((v) => /[\u{10000}-\u{10FFFF}]/u.test(v.key))).toBe(true);
    expect(Math.max(...golden.vectors.map((v) => v.key.length))).toBeGreaterThanOrEqual(5000);
  });

  it('computes the same murmur2 as the Java client for every vector', () => {
    const mismatches = golden.vectors.filter((v) => murmur2(Buffer.from(v.key, 'utf8')) !== v.murmur2);
    expect(mismatches.map((v) => v.key.slice(0, 20))).toEqual([]);
  });

  it('picks the Java partition for every vector and partition count', () => {
    const mismatches: string[] = [];
    for (const vector of golden.vectors) {
      golden.partitionCounts.forEach((count, i) => {
        const ours = partitionForKey(Buffer.from(vector.key, 'utf8'), count);
        if (ours !== vector.partitions[i])
          mismatches.push(`${JSON.stringify(vector.key.slice(0, 20))} /${count}: ${ours} ≠ ${vector.partitions[i]}`);
      });
    }
    expect(mismatches).toEqual([]);
  });
});
