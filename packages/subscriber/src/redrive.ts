import { channels, isKbusError, KbusError, type RedriveContext, withinDeadline } from '@kbus/core';
import { callback, nonEmptyString, parseOptions, strictOptions, timerMs } from '@kbus/core/options';
import {
  brokersOption,
  type ConsumedRecord,
  createKafkaClient,
  type HeaderValue,
  kafkaClientOption,
  PartitionCounts,
  partitionForKey,
  saslOption,
  sslOption,
} from '@kbus/transport';
import type * as z from 'zod';
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

/** What redrive() accepts; RedriveOptions is taken from it. */
export const redriveOptionsSchema = strictOptions({
  deadLetterTopic: nonEmptyString('the dead-letter topic to redrive, e.g. "orders.dlt"'),
  brokers: brokersOption.optional(),
  kafka: kafkaClientOption.optional(),
  /** TLS to the brokers (as createKafkaClient's `ssl`); not with `kafka`, whose own settings apply. */
  ssl: sslOption.optional(),
  /** SASL authentication (as createKafkaClient's `sasl`); not with `kafka`. */
  sasl: saslOption.optional(),
  /** The group that remembers how far redrive got (default `<deadLetterTopic>.redrive`). */
  groupId: nonEmptyString().optional(),
  /** Which records to send back (default all). Records not chosen are passed over, and not offered again. */
  filter: callback<(record: ConsumedRecord, info: DeadLetterInfo) => boolean>().optional(),
  /** Bound of the whole run (default 60 s). */
  timeoutMs: timerMs(1).optional(),
});

export type RedriveOptions = z.input<typeof redriveOptionsSchema>;

function checkRedriveOptions(given: RedriveOptions): RedriveOptions {
  const options = parseOptions(redriveOptionsSchema, given, 'redrive');
  if (!options.kafka && !options.brokers)
    throw new KbusError('INVALID_CONFIGURATION', 'redrive: pass brokers: ["host:9092"] or a shared kafka client');
  if (options.kafka && (options.ssl !== undefined || options.sasl !== undefined))
    throw new KbusError(
      'INVALID_CONFIGURATION',
      "redrive: ssl and sasl are settings of the shared kafka client: pass them to createKafkaClient, or drop 'kafka'",
    );
  return options;
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
export async function redrive(given: RedriveOptions): Promise<RedriveResult> {
  const options = checkRedriveOptions(given);
  const timeoutMs = options.timeoutMs ?? 60_000;
  // The whole run is bounded, connecting included; the run itself stops re-publishing and
  // closes what it opened at the same deadline, so nothing is sent after the caller hears TIMEOUT.
  const deadline = Date.now() + timeoutMs;
  return withinDeadline(
    run(options, deadline),
    timeoutMs,
    () =>
      new KbusError('TIMEOUT', `redrive of ${options.deadLetterTopic} did not reach the end within ${timeoutMs} ms`, {
        retriable: true,
      }),
  );
}

async function run(options: RedriveOptions, deadline: number): Promise<RedriveResult> {
  const kafka =
    options.kafka ??
    createKafkaClient({
      brokers: options.brokers ?? [],
      clientId: 'kbus-redrive',
      ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
      ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
    });
  const groupId = options.groupId ?? `${options.deadLetterTopic}.redrive`;
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
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
  const metaAdmin = kafka.admin();
  // One cache per run: a run is bounded by its timeout; an original partition the count does not cover reads it again.
  const partitionCounts = new PartitionCounts(metaAdmin, { maxAgeMs: Number.POSITIVE_INFINITY });
  try {
    // Connected inside the try: a client that fails to connect leaves none of the others open.
    await producer.connect();
    await consumer.connect();
    await metaAdmin.connect();
    await consumer.subscribe([options.deadLetterTopic], true);
    const timeoutMs = options.timeoutMs ?? 60_000;
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const timer = setTimeout(
        () => {
          failed = true;
          reject(
            new KbusError(
              'TIMEOUT',
              `redrive of ${options.deadLetterTopic} did not reach the end within ${timeoutMs} ms`,
              { retriable: true },
            ),
          );
        },
        Math.max(1, deadline - Date.now()),
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
      const originalPartitions = async (
        topic: string,
        originalPartition: number | undefined,
        partition: number,
        offset: string,
      ): Promise<number> => {
        if (originalPartition !== undefined) partitionCounts.sawPartition(topic, originalPartition);
        try {
          // A topic the cluster does not list counts 0: one partition, as before.
          return (await partitionCounts.count(topic)) || 1;
        } catch (error) {
          if (!isKbusError(error, 'TOPIC_NOT_FOUND')) throw error;
          throw new KbusError(
            'TOPIC_NOT_FOUND',
            `${where(partition, offset)} came from topic "${topic}", which does not exist (any more); create it again, ` +
              'or pass such records over with a filter',
            { cause: error, details: { topic, partition, offset } },
          );
        }
      };
      const redriveBatch = async (
        batch: Parameters<Parameters<typeof consumer.run>[0]['eachBatch']>[0],
        context: Parameters<Parameters<typeof consumer.run>[0]['eachBatch']>[1],
      ) => {
        const end = ends.get(batch.partition);
        if (end === undefined) return;
        for (const record of batch.records) {
          // Past the deadline (or after a failure) nothing more is sent.
          if (failed || BigInt(record.offset) >= end) break;
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
            const count = await originalPartitions(
              info.originalTopic,
              info.originalPartition,
              batch.partition,
              record.offset,
            );
            const headers: Record<string, HeaderValue> = {};
            for (const [name, value] of Object.entries(record.headers)) {
              if (value !== undefined && !DLT_HEADER_NAMES.has(name)) headers[name] = value;
            }
            headers['kbus_redriven-from'] = `${options.deadLetterTopic}/${batch.partition}/${record.offset}`;
            const partition = record.key ? partitionForKey(record.key, count) : (info.originalPartition ?? 0) % count;
            const topic = info.originalTopic;
            const resend = () =>
              producer.send([{ topic, records: [{ key: record.key, value: record.value, headers, partition }] }]);
            if (channels.redrive.hasSubscribers) {
              const carrier: Record<string, string> = {};
              for (const [name, value] of Object.entries(headers)) carrier[name] = String(value);
              const before = { ...carrier };
              const traced: RedriveContext = {
                deadLetterTopic: options.deadLetterTopic,
                topic,
                partition,
                key: record.key?.toString('utf8'),
                headers: carrier,
              };
              // A tracer may replace the trace context in `start` (a new span linking the original).
              await channels.redrive.tracePromise(async () => {
                // Only what the tracer changed: other header values keep their bytes.
                for (const [name, value] of Object.entries(carrier)) if (before[name] !== value) headers[name] = value;
                for (const name of Object.keys(before)) if (!(name in carrier)) delete headers[name];
                await resend();
              }, traced);
            } else {
              await resend();
            }
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
