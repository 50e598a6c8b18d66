import { Kafka, logLevel } from 'kafkajs';
import { withAdmin } from './clients.ts';
import { testStack, uniqueName } from './environment.ts';
import { WaitTimeoutError, waitFor } from './wait-for.ts';

export interface LogRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: string;
}

/**
 * Reads a topic from the beginning with an independent consumer (its own throwaway
 * group, nothing committed) until every partition reaches the end offset it had when
 * called, or `minRecords` records were seen; bounded by `timeoutMs`. Records come back
 * ordered by partition, then offset.
 *
 * @example
 * const records = await readTopic(topic.name);
 * expect(records.filter((r) => r.partition === 3).map((r) => r.key?.toString())).toEqual([...]);
 */
export async function readTopic(
  topic: string,
  options: { minRecords?: number; timeoutMs?: number } = {},
): Promise<LogRecord[]> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const kafka = new Kafka({
    clientId: 'kbus-testkit-reader',
    brokers: [...testStack().brokers],
    logLevel: logLevel.NOTHING,
  });
  const ends = new Map([...(await endOffsets(topic))].map(([partition, end]) => [partition, BigInt(end)] as const));
  const wanted = options.minRecords ?? 0;
  const records: LogRecord[] = [];
  const positions = new Map<number, bigint>();
  const done = () =>
    records.length >= wanted &&
    [...ends].every(([partition, end]) => end === 0n || (positions.get(partition) ?? 0n) >= end);
  if (done()) return records;
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new WaitTimeoutError(
              `${topic} to be read to its end (${wanted} records at least)`,
              timeoutMs,
              records.length,
            ),
          ),
        timeoutMs,
      );
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              records.push({
                topic,
                partition: batch.partition,
                offset: m.offset,
                key: m.key,
                value: m.value,
                headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)])),
                timestamp: m.timestamp,
              });
              positions.set(batch.partition, BigInt(m.offset) + 1n);
            }
            if (done()) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

/** The end offset (high watermark) of each partition. */
export function endOffsets(topic: string): Promise<Map<number, string>> {
  return withAdmin(async (admin) => new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high])));
}

/** A group's committed offset per partition ('-1' where none). */
export function committedOffsets(groupId: string, topic: string): Promise<Map<number, string>> {
  return withAdmin(async (admin) => {
    const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((result?.partitions ?? []).map((p) => [p.partition, p.offset]));
  });
}

/**
 * Waits (bounded) until a group's committed offset of every partition equals the
 * partition's end offset as it is when called (a partition that never had a record counts
 * as done with nothing committed). Resolves to the committed offsets.
 */
export async function waitForGroupAtEnd(
  groupId: string,
  topic: string,
  options: { timeoutMs?: number } = {},
): Promise<Map<number, string>> {
  return withAdmin(async (admin) => {
    const marks = await admin.fetchTopicOffsets(topic);
    return waitFor(
      async () => {
        const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const committed = new Map((result?.partitions ?? []).map((p) => [p.partition, p.offset]));
        const done = marks.every((m) => {
          const offset = committed.get(m.partition) ?? '-1';
          return offset === m.high || (offset === '-1' && m.high === m.low);
        });
        return done ? committed : undefined;
      },
      {
        timeoutMs: options.timeoutMs ?? 60_000,
        intervalMs: 200,
        description: `group ${groupId} to commit to the end of ${topic}`,
      },
    );
  });
}
