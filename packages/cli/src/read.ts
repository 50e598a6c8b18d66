import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { KbusError } from '@kbus/core';
import type { ConsumedRecord, KafkaClient } from '@kbus/transport';
import { UsageError } from './errors.ts';

/** Where reading starts. */
export type StartPosition =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'time'; readonly timestamp: number }
  | { readonly kind: 'offset'; readonly partition: number; readonly offset: bigint };

/** Parses `earliest`, `latest`, an ISO time or `<partition>:<offset>`. */
export function parseStart(text: string): StartPosition {
  if (text === 'earliest' || text === 'latest') return { kind: text };
  const at = /^(\d+):(\d+)$/.exec(text);
  if (at) return { kind: 'offset', partition: Number(at[1]), offset: BigInt(at[2] as string) };
  // Only date-looking input: Date.parse also accepts things like "1".
  const timestamp = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(timestamp)) {
    throw new UsageError(
      `--from ${JSON.stringify(text)} is not earliest, latest, an ISO time (2026-12-01T10:00:00Z) or <partition>:<offset>`,
    );
  }
  return { kind: 'time', timestamp };
}

export interface ReadOptions {
  readonly topic: string;
  /** Start per partition (partitions not listed are not read). */
  readonly start: ReadonlyMap<number, bigint>;
  /** Stop per partition (exclusive); none: follow until the signal aborts or `onRecord` says stop. */
  readonly end: ReadonlyMap<number, bigint> | undefined;
  /** Called in offset order per partition; return false to stop reading. */
  onRecord(partition: number, record: ConsumedRecord): Promise<boolean> | boolean;
  /** Called once the reader joined its group and is about to fetch. */
  onReady?: (() => void) | undefined;
  readonly signal: AbortSignal;
  /** Bound of a read to `end` (ignored when following). */
  readonly timeoutMs: number;
}

/** Start offsets of every partition for a start position, and each partition's end now. */
export async function startOffsets(
  kafka: KafkaClient,
  topic: string,
  from: StartPosition,
): Promise<{ start: Map<number, bigint>; end: Map<number, bigint> }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.topics([topic]); // TOPIC_NOT_FOUND for a missing topic, never auto-created
    const marks = await admin.watermarks(topic);
    const end = new Map(marks.map((m) => [m.partition, BigInt(m.high)] as const));
    const start = new Map<number, bigint>();
    if (from.kind === 'offset') {
      const mark = marks.find((m) => m.partition === from.partition);
      if (!mark) {
        throw new UsageError(`${topic} has no partition ${from.partition} (it has ${marks.length})`);
      }
      const low = BigInt(mark.low);
      start.set(from.partition, from.offset < low ? low : from.offset);
    } else if (from.kind === 'time') {
      for (const o of await admin.offsetsAtTime(topic, from.timestamp)) start.set(o.partition, BigInt(o.offset));
    } else {
      for (const m of marks) start.set(m.partition, BigInt(from.kind === 'earliest' ? m.low : m.high));
    }
    return { start, end };
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads a topic from given offsets without committing anything: a throwaway consumer group
 * that seeks each partition when it joins, deleted afterwards. Resolves when every partition
 * reached its end (or at once when there is nothing to read), when `onRecord` returns false,
 * or when the signal aborts; rejects with TIMEOUT past `timeoutMs`.
 */
export async function readRecords(kafka: KafkaClient, options: ReadOptions): Promise<void> {
  const { topic, start, end } = options;
  const remaining = new Set<number>();
  for (const [partition, offset] of start) {
    if (!end || offset < (end.get(partition) ?? 0n)) remaining.add(partition);
  }
  if (end && remaining.size === 0) return;
  if (options.signal.aborted) return;
  // Host and pid in the name: a group left behind by a killed process says where it came from.
  const groupId = `kbus-cli-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  // The next offset to hand out per partition: records before it (fetched before a seek
  // applied, or again after a rebalance) are not handed out twice.
  const next = new Map(start);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const marks = await admin.watermarks(topic);
    const consumer = kafka.consumer({ groupId, maxWaitTimeMs: 250 });
    await consumer.connect();
    let timer: NodeJS.Timeout | undefined;
    let ready = false;
    try {
      consumer.on('group.join', (assignment) => {
        for (const partition of assignment[topic] ?? []) {
          // Partitions not read are parked at their end, so nothing old is fetched there.
          const offset = next.get(partition) ?? BigInt(marks.find((m) => m.partition === partition)?.high ?? '0');
          consumer.seek(topic, partition, offset.toString());
        }
        if (!ready) {
          ready = true;
          options.onReady?.();
        }
      });
      await consumer.subscribe([topic], true);
      let done = false;
      await new Promise<void>((resolve, reject) => {
        const finish = () => {
          done = true;
          options.signal.removeEventListener('abort', finish);
          resolve();
        };
        options.signal.addEventListener('abort', finish, { once: true });
        if (end) {
          timer = setTimeout(
            () =>
              reject(
                new KbusError('TIMEOUT', `${topic} was not read to its end within ${options.timeoutMs} ms`, {
                  retriable: true,
                }),
              ),
            options.timeoutMs,
          );
        }
        consumer.on('crash', (error, restarting) => {
          if (!restarting) reject(error);
        });
        consumer
          .run({
            partitionsConsumedConcurrently: 1,
            eachBatch: async (batch, context) => {
              const from = next.get(batch.partition);
              if (done || from === undefined) return;
              const stop = end?.get(batch.partition);
              for (const record of batch.records) {
                if (done) return;
                const offset = BigInt(record.offset);
                if (offset < (next.get(batch.partition) ?? from)) continue;
                if (stop !== undefined && offset >= stop) break;
                next.set(batch.partition, offset + 1n);
                if (!(await options.onRecord(batch.partition, record))) {
                  finish();
                  return;
                }
                context.resolveOffset(record.offset);
                if (stop !== undefined && offset + 1n >= stop) remaining.delete(batch.partition);
              }
              if (end && remaining.size === 0) finish();
            },
          })
          .catch(reject);
      });
    } finally {
      clearTimeout(timer);
      await consumer.stop().catch(() => {});
      await consumer.disconnect().catch(() => {});
    }
  } finally {
    await admin.deleteGroups([groupId]).catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}
