/**
 * Consuming: the SDK subscriber vs a raw kafkajs consumer (eachBatch, autoCommit off,
 * resolveOffset per record, explicit offsets committed at each batch end) in the same
 * process, same topic, same bytes. Every run is a fresh consumer group reading from the
 * beginning until it has handled all records; the clock starts at the first record, so
 * joining the group is not timed.
 *
 *   node --conditions=source --no-warnings --expose-gc bench/src/consume.ts
 *
 * Env: BENCH_CONSUME_RECORDS (50000), BENCH_CONSUME_ROUNDS (9), BENCH_SLOW_RECORDS (2000),
 * BENCH_SLOW_MS (5), BENCH_SLOW_PER_KEY ("16,32"), BENCH_SLOW_ROUNDS (2),
 * BENCH_E2E_EVENTS (300 per round), BENCH_E2E_INTERVAL_MS (10), BENCH_E2E_ROUNDS (8),
 * BENCH_KEYS (1000).
 */
import { randomUUID } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { createEnvelope, createSerde, type Serde } from '@kbus/core';
import { createPublisher, type PublishItem } from '@kbus/publisher';
import { createSubscriber, type Subscriber } from '@kbus/subscriber';
import { deleteTopics, uniqueName } from '@kbus/testkit';
import { partitionForKey } from '@kbus/transport';
import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import {
  alternate,
  type BenchResult,
  collectGarbage,
  intEnv,
  log,
  machine,
  mb,
  median,
  medianMsgsPerS,
  peakRss,
  percentile,
  percentileRow,
  type ResultRow,
  RssSampler,
  report,
  round,
  rssNow,
  rssOf,
  runsOf,
  sleep,
  throughputRow,
  type VariantRun,
} from './common.ts';
import {
  BenchAccountCreated,
  type BenchTopic,
  benchTopic,
  connection,
  KEYS,
  PARTITIONS,
  payloads,
} from './contracts.ts';
import { joined, rawConsumer, rawKafka, rawProducer } from './raw.ts';

const RECORDS = intEnv('BENCH_CONSUME_RECORDS', 50_000);
const ROUNDS = intEnv('BENCH_CONSUME_ROUNDS', 9);
const SLOW_RECORDS = intEnv('BENCH_SLOW_RECORDS', 2_000);
const SLOW_MS = intEnv('BENCH_SLOW_MS', 5);
const SLOW_PER_KEY = (process.env.BENCH_SLOW_PER_KEY ?? '16,32').split(',').map(Number);
const SLOW_ROUNDS = intEnv('BENCH_SLOW_ROUNDS', 2);
const E2E_EVENTS = intEnv('BENCH_E2E_EVENTS', 300);
const E2E_INTERVAL_MS = intEnv('BENCH_E2E_INTERVAL_MS', 10);
const E2E_ROUNDS = intEnv('BENCH_E2E_ROUNDS', 8);
const TIMEOUT_MS = 120_000;

interface ConsumeRun {
  readonly records: number;
  /** First record to last record handled. */
  readonly ms: number;
  readonly msgsPerS: number;
  /** start() / GROUP_JOIN, not part of `ms`. */
  readonly joinMs: number;
  /** Process CPU time (user + system, all threads) per record between first and last record, in µs. */
  readonly cpuUsPerMsg: number;
  /** Throughput of each quarter of the run (first to last): flat for a linear-cost consumer. */
  readonly quarterMsgsPerS: number[];
  readonly commits?: number;
  /** Listeners left on the subscriber's lifecycle AbortSignal after the run (diagnostic). */
  readonly abortListeners?: number;
  readonly heapUsedMbAfter?: number;
}

/** Counts handled records; resolves `done` at `expected`. */
class Counter {
  handled = 0;
  first = 0;
  last = 0;
  private cpuFirst: NodeJS.CpuUsage | undefined;
  private cpuUsed: NodeJS.CpuUsage | undefined;
  private readonly marks: number[] = [];
  readonly done: Promise<void>;
  private resolve: () => void = () => {};
  private readonly expected: number;

  constructor(expected: number) {
    this.expected = expected;
    this.done = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  start(): void {
    if (this.first === 0) {
      this.cpuFirst = process.cpuUsage();
      this.first = performance.now();
    }
  }

  finish(): void {
    this.handled++;
    if (this.expected !== Number.POSITIVE_INFINITY && this.handled % Math.ceil(this.expected / 4) === 0) {
      this.marks.push(performance.now());
    }
    if (this.handled === this.expected) {
      this.last = performance.now();
      this.cpuUsed = process.cpuUsage(this.cpuFirst);
      this.resolve();
    }
  }

  async wait(what: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.done,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${what}: handled ${this.handled} of ${this.expected} in ${TIMEOUT_MS} ms`)),
          TIMEOUT_MS,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  }

  result(joinMs: number): ConsumeRun {
    const ms = this.last - this.first;
    return {
      records: this.handled,
      ms: round(ms, 1),
      msgsPerS: Math.round((this.handled * 1000) / ms),
      joinMs: Math.round(joinMs),
      quarterMsgsPerS: this.marks.map((at, i) =>
        Math.round(
          (Math.ceil(this.expected / 4) * 1000) / (at - (i === 0 ? this.first : (this.marks[i - 1] as number))),
        ),
      ),
      cpuUsPerMsg: this.cpuUsed ? round((this.cpuUsed.user + this.cpuUsed.system) / this.handled, 1) : Number.NaN,
    };
  }
}

/** The raw eachBatch loop: resolveOffset per record, explicit offsets committed at batch end. */
function rawEachBatch(
  handle: (value: Buffer | null) => Promise<void> | void,
  counter: Counter,
): (payload: EachBatchPayload) => Promise<void> {
  return async ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isRunning, isStale }) => {
    let last: string | undefined;
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      counter.start();
      await handle(message.value);
      resolveOffset(message.offset);
      last = message.offset;
      counter.finish();
    }
    if (last !== undefined) {
      await commitOffsetsIfNecessary({
        topics: [
          { topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }] },
        ],
      });
    }
    await heartbeat();
  };
}

export async function main(): Promise<BenchResult> {
  const startedAt = new Date();
  const { brokers, registryUrl } = connection();
  const sampler = new RssSampler();
  const kafka: Kafka = rawKafka(brokers, 'bench-raw');
  // One serde per side, both validating on decode (the subscriber's default).
  const rawSerde = createSerde({ registry: { url: registryUrl } });
  const sdkSerde = createSerde({ registry: { url: registryUrl } });
  const bulkTopic = benchTopic('consume', PARTITIONS);
  const slowTopic = benchTopic('consume-slow', PARTITIONS);
  const e2eRawTopic = benchTopic('e2e-raw', PARTITIONS);
  const e2eSdkTopic = benchTopic('e2e-sdk', PARTITIONS);
  const topics = [bulkTopic, slowTopic, e2eRawTopic, e2eSdkTopic];
  const publisherFor = (topic: BenchTopic) =>
    createPublisher({ brokers, registry: { url: registryUrl }, topics: [topic], clientId: 'bench-sdk' });
  const publishers = topics.map(publisherFor);
  const openConsumers: Consumer[] = [];
  const openSubscribers: Subscriber[] = [];
  let producer: Producer | undefined;

  const fill = async (index: number, count: number) => {
    const publisher = publishers[index] as ReturnType<typeof publisherFor>;
    const items = payloads(count, KEYS).map(
      (payload) => ({ event: BenchAccountCreated, payload }) as PublishItem<readonly [BenchTopic]>,
    );
    for (let i = 0; i < items.length; i += 1000) await publisher.publishMany(items.slice(i, i + 1000));
  };

  async function rawRun(topic: BenchTopic, expected: number, handle: (value: Buffer | null) => Promise<void> | void) {
    const counter = new Counter(expected);
    const consumer = await rawConsumer(kafka, uniqueName('bench-raw'), topic.name);
    openConsumers.push(consumer);
    const started = performance.now();
    const join = joined(consumer);
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: rawEachBatch(handle, counter),
    });
    await join;
    const joinMs = performance.now() - started;
    await counter.wait(`raw consumer on ${topic.name}`);
    const result = counter.result(joinMs);
    await consumer.disconnect();
    return result;
  }

  async function sdkRun(
    topic: BenchTopic,
    expected: number,
    options: { perKey?: number; delayMs?: number; commit?: { everyRecords: number; intervalMs: number } },
  ): Promise<ConsumeRun> {
    const counter = new Counter(expected);
    const subscriber = createSubscriber({
      groupId: uniqueName('bench-sdk'),
      brokers,
      registry: sdkSerde,
      topics: [topic],
      ...(options.perKey ? { concurrency: { perKey: options.perKey } } : {}),
      ...(options.commit ? { commit: options.commit } : {}),
      handlers: {
        'bench.user-account.created': async () => {
          counter.start();
          if (options.delayMs) await sleep(options.delayMs);
          counter.finish();
        },
      },
    });
    openSubscribers.push(subscriber);
    const started = performance.now();
    await subscriber.start();
    const joinMs = performance.now() - started;
    await counter.wait(`subscriber on ${topic.name}`);
    const result = counter.result(joinMs);
    // Diagnostic: listeners the run left on the subscriber's lifecycle signal (private field).
    let abortListeners: number | undefined;
    try {
      const lifecycle = (subscriber as unknown as { lifecycle?: AbortController }).lifecycle;
      if (lifecycle) abortListeners = getEventListeners(lifecycle.signal, 'abort').length;
    } catch {
      abortListeners = undefined;
    }
    collectGarbage();
    const heapUsedMbAfter = mb(process.memoryUsage().heapUsed);
    const commits = subscriber.stats().commits;
    await subscriber.stop();
    return {
      ...result,
      commits,
      ...(abortListeners === undefined ? {} : { abortListeners }),
      heapUsedMbAfter,
    };
  }

  try {
    for (const publisher of publishers) {
      await publisher.ensureTopics();
      await publisher.connect();
    }
    log(`consume: producing ${RECORDS} + ${SLOW_RECORDS} records (${KEYS} keys, ${PARTITIONS} partitions)`);
    await fill(0, RECORDS);
    await fill(1, SLOW_RECORDS);
    // Writer schemas in the caches before any timing (one registry GET each).
    const probe = await rawSerde.encoder(bulkTopic, BenchAccountCreated);
    const sample = probe.encode(createEnvelope(BenchAccountCreated, payloads(1, 1)[0] as never, { source: 'b' }));
    await rawSerde.decode(bulkTopic, sample);
    await sdkSerde.decode(bulkTopic, sample);

    // (a) throughput, sequential handling, no-op handler (that still decodes).
    log(`consume (a): ${RECORDS} records, ${ROUNDS} rounds`);
    const decodeWith = (serde: Serde) => async (value: Buffer | null) => {
      await serde.decode(bulkTopic, value);
    };
    const bulk = await alternate<ConsumeRun>(
      ROUNDS,
      [
        ['raw eachBatch + serde.decode', () => rawRun(bulkTopic, RECORDS, decodeWith(rawSerde))],
        ['SDK subscriber', () => sdkRun(bulkTopic, RECORDS, {})],
        ['raw eachBatch, no decode', () => rawRun(bulkTopic, RECORDS, () => {})],
        [
          'SDK subscriber, commit at batch end only',
          () => sdkRun(bulkTopic, RECORDS, { commit: { everyRecords: 1_000_000_000, intervalMs: 3_600_000 } }),
        ],
      ],
      sampler,
      log,
    );

    // (b) a handler that awaits 5 ms of simulated I/O.
    log(`consume (b): ${SLOW_RECORDS} records, ${SLOW_MS} ms handler, ${SLOW_ROUNDS} rounds`);
    const slowHandler = async (value: Buffer | null) => {
      await rawSerde.decode(slowTopic, value);
      await sleep(SLOW_MS);
    };
    const slow = await alternate<ConsumeRun>(
      SLOW_ROUNDS,
      [
        [`raw eachBatch, sequential ${SLOW_MS} ms handler`, () => rawRun(slowTopic, SLOW_RECORDS, slowHandler)],
        ...SLOW_PER_KEY.map(
          (perKey) =>
            [
              `SDK subscriber perKey ${perKey}`,
              () => sdkRun(slowTopic, SLOW_RECORDS, { perKey, delayMs: SLOW_MS }),
            ] as const,
        ),
      ],
      sampler,
      log,
    );

    // (c) end-to-end latency, publish → handler, one event at a time at a modest rate.
    log(`consume (c): e2e latency, ${E2E_ROUNDS} rounds x ${E2E_EVENTS} events every ${E2E_INTERVAL_MS} ms`);
    producer = await rawProducer(kafka);
    const rawProducerReady = producer;
    const e2eSerde = createSerde({ registry: { url: registryUrl } });
    const e2eEncoder = await e2eSerde.encoder(e2eRawTopic, BenchAccountCreated);
    const sentAt = new Map<string, number>();
    const latencies = { raw: [] as number[], sdk: [] as number[] };
    let sink: number[] = [];
    const arrived = (id: string) => {
      const sent = sentAt.get(id);
      if (sent === undefined) return;
      sink.push(performance.now() - sent);
      sentAt.delete(id);
    };
    // Both consumers run for the whole phase, each on its own topic; sides take turns publishing.
    const e2eConsumer = await rawConsumer(kafka, uniqueName('bench-raw-e2e'), e2eRawTopic.name);
    openConsumers.push(e2eConsumer);
    const e2eJoin = joined(e2eConsumer);
    await e2eConsumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: rawEachBatch(async (value) => {
        arrived((await e2eSerde.decode(e2eRawTopic, value)).envelope.id);
      }, new Counter(Number.POSITIVE_INFINITY)),
    });
    await e2eJoin;
    const e2eSubscriber = createSubscriber({
      groupId: uniqueName('bench-sdk-e2e'),
      brokers,
      registry: sdkSerde,
      topics: [e2eSdkTopic],
      handlers: { 'bench.user-account.created': (event) => arrived(event.id) },
    });
    openSubscribers.push(e2eSubscriber);
    await e2eSubscriber.start();
    const e2ePublisher = publishers[3] as ReturnType<typeof publisherFor>;
    const e2ePayloads = payloads(E2E_EVENTS, KEYS);
    const sendSide = async (side: 'raw' | 'sdk', record: boolean): Promise<number[]> => {
      sink = [];
      const pending: Array<Promise<unknown>> = [];
      const ids = e2ePayloads.map(() => randomUUID());
      // The raw side sends bytes encoded before the round, as in publish (c): encoding each
      // one just before its clock starts would also warm the caches for its send, which the
      // SDK's publish (validating and encoding after 10 ms idle) does not get.
      const rawMessages =
        side === 'raw'
          ? e2ePayloads.map((payload, i) => {
              const envelope = createEnvelope(BenchAccountCreated, payload, {
                source: 'bench-raw',
                id: ids[i] as string,
              });
              const key = Buffer.from(envelope.aggregateId, 'utf8');
              return { key, value: e2eEncoder.encode(envelope), partition: partitionForKey(key, PARTITIONS) };
            })
          : [];
      for (let i = 0; i < E2E_EVENTS; i++) {
        const payload = e2ePayloads[i] as (typeof e2ePayloads)[number];
        const id = ids[i] as string;
        if (side === 'raw') {
          const message = rawMessages[i] as (typeof rawMessages)[number];
          sentAt.set(id, performance.now());
          pending.push(rawProducerReady.send({ acks: -1, topic: e2eRawTopic.name, messages: [message] }));
        } else {
          sentAt.set(id, performance.now());
          pending.push(e2ePublisher.publish(BenchAccountCreated, payload, { id }));
        }
        await sleep(E2E_INTERVAL_MS);
      }
      await Promise.all(pending);
      const deadline = Date.now() + 30_000;
      while (sink.length < E2E_EVENTS && Date.now() < deadline) await sleep(10);
      const samples = sink;
      sink = [];
      sentAt.clear();
      if (record) latencies[side].push(...samples);
      return samples;
    };
    // Warm-up round on both sides, not recorded.
    await sendSide('raw', false);
    await sendSide('sdk', false);
    const e2e = await alternate<number[]>(
      E2E_ROUNDS,
      [
        ['raw producer + consumer', () => sendSide('raw', true)],
        ['SDK publisher + subscriber', () => sendSide('sdk', true)],
      ],
      sampler,
      (line) => log(line.replace(/: \[.*\]/, '')),
    );

    // ---- results
    const rows: ResultRow[] = [];
    rows.push(
      throughputRow(
        bulk,
        'consume (a): sequential, no-op handler',
        'raw eachBatch + serde.decode',
        'SDK subscriber',
        0.85,
        'both decode and validate with zod; the SDK commits every 1,000 records or 1 s (default) and at batch end without waiting for the answer, raw awaits a commit at each batch end',
      ),
      throughputRow(
        bulk,
        'consume (a): sequential, raw without decoding',
        'raw eachBatch, no decode',
        'SDK subscriber',
        undefined,
        'baseline does not decode at all',
      ),
      throughputRow(
        bulk,
        'consume (a): SDK committing at batch end only',
        'raw eachBatch + serde.decode',
        'SDK subscriber, commit at batch end only',
        undefined,
        'diagnostic: commit: { everyRecords: 1e9, intervalMs: 1 h }, i.e. commits only at batch end, like the baseline (not awaited)',
      ),
    );
    for (const perKey of SLOW_PER_KEY) {
      rows.push(
        throughputRow(
          slow,
          `consume (b): ${SLOW_MS} ms handler, perKey ${perKey}`,
          `raw eachBatch, sequential ${SLOW_MS} ms handler`,
          `SDK subscriber perKey ${perKey}`,
          5,
          `${SLOW_RECORDS} records over ${KEYS} keys; baseline handles one record at a time`,
        ),
      );
    }
    const rawE2e = 'raw producer + consumer';
    const sdkE2e = 'SDK publisher + subscriber';
    for (const [p, target] of [
      [50, 1.2],
      [99, 1.5],
    ] as const) {
      rows.push(
        percentileRow(p, { baseline: latencies.raw, sdk: latencies.sdk }, rssOf(e2e, rawE2e, sdkE2e), {
          benchmark: 'consume (c): end-to-end latency publish → handler',
          baseline: rawE2e,
          sdk: sdkE2e,
          target,
          note: `${E2E_ROUNDS} alternating rounds of ${E2E_EVENTS} events, one every ${E2E_INTERVAL_MS} ms; both consumers decode`,
        }),
      );
    }
    const summarize = (runs: Array<VariantRun<ConsumeRun>>) =>
      Object.fromEntries(
        [...new Set(runs.map((r) => r.variant))].map((v) => [
          v,
          {
            msgsPerSMedian: medianMsgsPerS(runs, v),
            cpuUsPerMsgMedian: round(median(runsOf(runs, v).map((r) => r.result.cpuUsPerMsg)), 1),
            runs: runsOf(runs, v).map((r) => r.result),
            rssPeakMb: peakRss(runs, v),
          },
        ]),
      );
    const latencySummary = Object.fromEntries(
      (
        [
          [rawE2e, latencies.raw],
          [sdkE2e, latencies.sdk],
        ] as const
      ).map(([v, samples]) => [
        v,
        {
          samples: samples.length,
          p50: round(percentile(samples, 50), 3),
          p90: round(percentile(samples, 90), 3),
          p99: round(percentile(samples, 99), 3),
          max: round(Math.max(...samples), 3),
          p50PerRound: runsOf(e2e, v).map((r) => round(percentile(r.result, 50), 3)),
          rssPeakMb: peakRss(e2e, v),
        },
      ]),
    );
    return {
      name: 'consume',
      startedAt: startedAt.toISOString(),
      durationS: round((Date.now() - startedAt.getTime()) / 1000, 1),
      machine: machine(),
      config: {
        records: RECORDS,
        rounds: ROUNDS,
        slowRecords: SLOW_RECORDS,
        slowMs: SLOW_MS,
        slowPerKey: SLOW_PER_KEY,
        slowRounds: SLOW_ROUNDS,
        e2eEvents: E2E_EVENTS,
        e2eIntervalMs: E2E_INTERVAL_MS,
        e2eRounds: E2E_ROUNDS,
        keys: KEYS,
        partitions: PARTITIONS,
      },
      rows,
      details: {
        bulk: summarize(bulk),
        slow: summarize(slow),
        e2eLatencyMs: latencySummary,
        rssEndMb: rssNow(),
      },
    };
  } finally {
    await sampler.close();
    for (const subscriber of openSubscribers) await subscriber.stop().catch(() => {});
    for (const consumer of openConsumers) await consumer.disconnect().catch(() => {});
    await producer?.disconnect().catch(() => {});
    for (const publisher of publishers) await publisher.close().catch(() => {});
    const names = topics.flatMap((t) => [t.name, `${t.name}.dlt`]);
    await deleteTopics(names, { withSubjects: true }).catch((error: unknown) => log(`cleanup: ${error}`));
  }
}

if (import.meta.main) report(await main());
