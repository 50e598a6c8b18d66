import { isKbusError, KbusError, withinDeadline } from '@kbus/core';
import {
  type ConsumedRecord,
  createKafkaClient,
  type HeaderValue,
  type KafkaClient,
  partitionForKey,
} from '@kbus/transport';
import { DLT_HEADER_NAMES, DLT_HEADERS } from './dead-letter-headers.ts';

/** What a dead-letter record says about its failure and origin. */
export interface DeadLetterInfo {
  readonly originalTopic: string | undefined;
  readonly originalPartition: number | undefined;
  readonly originalOffset: string | undefined;
  readonly consumerGroup: string | undefined;
  readonly errorCode: string | undefined;
  readonly exceptionClass: string | undefined;
  readonly message: string | undefined;
  readonly stacktrace: string | undefined;
  readonly attempts: number | undefined;
  readonly failedAt: string | undefined;
}

function header(headers: ConsumedRecord['headers'], name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.toString('utf8');
}

/** Reads the dead-letter headers of a record. */
export function readDeadLetter(record: Pick<ConsumedRecord, 'headers'>): DeadLetterInfo {
  const h = record.headers;
  const partition = header(h, DLT_HEADERS.originalPartition);
  const attempts = header(h, DLT_HEADERS.attempts);
  return {
    originalTopic: header(h, DLT_HEADERS.originalTopic),
    originalPartition: partition === undefined ? undefined : Number(partition),
    originalOffset: header(h, DLT_HEADERS.originalOffset),
    consumerGroup: header(h, DLT_HEADERS.originalConsumerGroup),
    errorCode: header(h, DLT_HEADERS.errorCode),
    exceptionClass: header(h, DLT_HEADERS.exceptionClass),
    message: header(h, DLT_HEADERS.exceptionMessage),
    stacktrace: header(h, DLT_HEADERS.exceptionStacktrace),
    attempts: attempts === undefined ? undefined : Number(attempts),
    failedAt: header(h, DLT_HEADERS.failedAt),
  };
}

export interface RedriveOptions {
  readonly deadLetterTopic: string;
  readonly brokers?: readonly string[];
  readonly kafka?: KafkaClient;
  /** The group that remembers how far redrive got (default `<deadLetterTopic>.redrive`). */
  readonly groupId?: string;
  /** Which records to send back (default all). Records not chosen are passed over, and not offered again. */
  readonly filter?: (record: ConsumedRecord, info: DeadLetterInfo) => boolean;
  /** Bound of the whole run (default 60 s). */
  readonly timeoutMs?: number;
}

export interface RedriveResult {
  readonly redriven: number;
  readonly passedOver: number;
}

/**
 * Sends dead-lettered records back to their original topics (after the cause was fixed):
 * the original key, value and headers, on the partition the key maps to. It reads the
 * dead-letter topic up to its end at the time of the call, and commits its progress in its
 * own group only after the records were re-published.
 *
 * @example
 * const { redriven } = await redrive({ brokers, deadLetterTopic: 'auth.user-account.dlt' });
 */
export function redrive(options: RedriveOptions): Promise<RedriveResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  // The whole run is bounded, connecting included; what is still open when the bound passes
  // is closed by the run itself once its own reading bound (the same timeoutMs) ends it.
  return withinDeadline(
    run(options),
    timeoutMs,
    () =>
      new KbusError('TIMEOUT', `redrive of ${options.deadLetterTopic} did not reach the end within ${timeoutMs} ms`, {
        retriable: true,
      }),
  );
}

async function run(options: RedriveOptions): Promise<RedriveResult> {
  const kafka = options.kafka ?? createKafkaClient({ brokers: options.brokers ?? [], clientId: 'kbus-redrive' });
  const groupId = options.groupId ?? `${options.deadLetterTopic}.redrive`;
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  const partitionCounts = new Map<string, number>();
  try {
    ends = new Map((await admin.watermarks(options.deadLetterTopic)).map((w) => [w.partition, BigInt(w.high)]));
    const committed = await admin.committedOffsets(groupId, options.deadLetterTopic);
    // Partitions already redriven to their end need no reading.
    for (const c of committed)
      if (c.offset !== '-1' && BigInt(c.offset) >= (ends.get(c.partition) ?? 0n)) ends.delete(c.partition);
    for (const [partition, end] of ends) if (end === 0n) ends.delete(partition);
  } finally {
    await admin.disconnect();
  }
  if (ends.size === 0) return { redriven: 0, passedOver: 0 };
  const producer = kafka.producer({ idempotent: true });
  const consumer = kafka.consumer({ groupId });
  let redriven = 0;
  let passedOver = 0;
  await producer.connect();
  await consumer.connect();
  const metaAdmin = kafka.admin();
  await metaAdmin.connect();
  try {
    await consumer.subscribe([options.deadLetterTopic], true);
    const timeoutMs = options.timeoutMs ?? 60_000;
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const timer = setTimeout(
        () =>
          reject(
            new KbusError(
              'TIMEOUT',
              `redrive of ${options.deadLetterTopic} did not reach the end within ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
      // A record that cannot be redriven ends the run at once with what is wrong with it:
      // thrown into the consumer, it would only be fetched again until the timeout.
      const fail = (error: unknown) => {
        failed = true;
        clearTimeout(timer);
        reject(error);
      };
      const where = (partition: number, offset: string) =>
        `record ${partition}/${offset} of ${options.deadLetterTopic}`;
      const originalPartitions = async (topic: string, partition: number, offset: string): Promise<number> => {
        let count = partitionCounts.get(topic);
        if (count !== undefined) return count;
        try {
          count = (await metaAdmin.topics([topic]))[0]?.partitions.length ?? 1;
        } catch (error) {
          if (!isKbusError(error, 'TOPIC_NOT_FOUND')) throw error;
          throw new KbusError(
            'TOPIC_NOT_FOUND',
            `${where(partition, offset)} came from topic "${topic}", which does not exist (any more); create it again, ` +
              'or pass such records over with a filter',
            { cause: error, details: { topic, partition, offset } },
          );
        }
        partitionCounts.set(topic, count);
        return count;
      };
      const redriveBatch = async (
        batch: Parameters<Parameters<typeof consumer.run>[0]['eachBatch']>[0],
        context: Parameters<Parameters<typeof consumer.run>[0]['eachBatch']>[1],
      ) => {
        const end = ends.get(batch.partition);
        if (end === undefined) return;
        for (const record of batch.records) {
          if (BigInt(record.offset) >= end) break;
          const info = readDeadLetter(record);
          if (options.filter && !options.filter(record, info)) {
            passedOver++;
          } else {
            if (!info.originalTopic) {
              throw new KbusError(
                'INVALID_CONFIGURATION',
                `${where(batch.partition, record.offset)} has no ${DLT_HEADERS.originalTopic} header, so where it came from ` +
                  'is unknown: it was not written by a dead-letter publisher (kbus or Spring). Pass such records over with a filter',
                { details: { partition: batch.partition, offset: record.offset } },
              );
            }
            const count = await originalPartitions(info.originalTopic, batch.partition, record.offset);
            const headers: Record<string, HeaderValue> = {};
            for (const [name, value] of Object.entries(record.headers)) {
              if (value !== undefined && !DLT_HEADER_NAMES.has(name)) headers[name] = value;
            }
            headers['kbus_redriven-from'] = `${options.deadLetterTopic}/${batch.partition}/${record.offset}`;
            const partition = record.key ? partitionForKey(record.key, count) : (info.originalPartition ?? 0) % count;
            await producer.send([
              {
                topic: info.originalTopic,
                records: [{ key: record.key, value: record.value, headers, partition }],
              },
            ]);
            redriven++;
          }
          context.resolveOffset(record.offset);
          await context.commit([
            { topic: batch.topic, partition: batch.partition, offset: (BigInt(record.offset) + 1n).toString() },
          ]);
          if (BigInt(record.offset) + 1n >= end) ends.delete(batch.partition);
        }
        if (ends.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      };
      consumer
        .run({
          partitionsConsumedConcurrently: 1,
          eachBatch: async (batch, context) => {
            if (failed) return;
            try {
              await redriveBatch(batch, context);
            } catch (error) {
              fail(error);
            }
          },
        })
        .catch(fail);
    });
  } finally {
    await consumer.stop().catch(() => {});
    await consumer.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
    await metaAdmin.disconnect().catch(() => {});
  }
  return { redriven, passedOver };
}
