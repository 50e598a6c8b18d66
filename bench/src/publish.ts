/**
 * Publishing: the SDK publisher vs a raw kafkajs producer (idempotent, one request in
 * flight, acks -1) in the same process, on the same 6-partition topic shape, with the
 * same keys and explicit partitions. The raw producer sends values the SDK encoded
 * beforehand; the SDK validates, builds the envelope and encodes on every publish. The SDK
 * is measured on its default producer client (@platformatic/kafka) and on kafkajs; a raw
 * @platformatic/kafka producer is measured for reference.
 *
 *   node --conditions=source --no-warnings --expose-gc bench/src/publish.ts
 *
 * Env: BENCH_PUBLISH_ROUNDS (7), BENCH_PUBLISH_BULK (30000), BENCH_PUBLISH_CHUNK (500),
 * BENCH_PUBLISH_CONCURRENT (5000), BENCH_PUBLISH_CONCURRENCY ("64,256"),
 * BENCH_PUBLISH_SEQUENTIAL (600), BENCH_PUBLISH_LATENCY_ROUNDS (10),
 * BENCH_PUBLISH_LATENCY_BLOCK (100), BENCH_KEYS (1000).
 */
import { createEnvelope, createSerde, type PayloadInput } from '@kbus/core';
import { envelopeHeaders } from '@kbus/core/internal';
import { createPublisher, type PublisherOptions, type PublishItem } from '@kbus/publisher';
import { deleteTopics } from '@kbus/testkit';
import { partitionForKey } from '@kbus/transport';
import type { Message } from 'kafkajs';
import {
  alternate,
  type BenchResult,
  intEnv,
  log,
  machine,
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
  throughputRow,
  type VariantRun,
  withConcurrency,
} from './common.ts';
import { BenchAccountCreated, benchTopic, connection, KEYS, PARTITIONS, payloads } from './contracts.ts';
import { rawKafka, rawPlatformaticProducer, rawProducer } from './raw.ts';

const ROUNDS = intEnv('BENCH_PUBLISH_ROUNDS', 7);
const BULK = intEnv('BENCH_PUBLISH_BULK', 30_000);
const CHUNK = intEnv('BENCH_PUBLISH_CHUNK', 500);
const CONCURRENT = intEnv('BENCH_PUBLISH_CONCURRENT', 5_000);
const CONCURRENCY = (process.env.BENCH_PUBLISH_CONCURRENCY ?? '64,256').split(',').map(Number);
const SEQUENTIAL = intEnv('BENCH_PUBLISH_SEQUENTIAL', 600);
const LATENCY_ROUNDS = intEnv('BENCH_PUBLISH_LATENCY_ROUNDS', 10);
const LATENCY_BLOCK = intEnv('BENCH_PUBLISH_LATENCY_BLOCK', 100);

interface Throughput {
  readonly records: number;
  readonly ms: number;
  readonly msgsPerS: number;
  /** Process CPU time (user + system, all threads) per record, in µs. */
  readonly cpuUsPerMsg: number;
}

async function throughput(records: number, run: () => Promise<unknown>): Promise<Throughput> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return {
    records,
    ms: round(ms, 1),
    msgsPerS: Math.round((records * 1000) / ms),
    cpuUsPerMsg: round((used.user + used.system) / records, 1),
  };
}

export async function main(): Promise<BenchResult> {
  const startedAt = new Date();
  const { brokers, registryUrl } = connection();
  const topic = benchTopic('publish', PARTITIONS);
  const sampler = new RssSampler();
  // One publisher per variant, differing only in client id, header set and producer client.
  const sdkPublisher = (clientId: string, options: Pick<PublisherOptions<[typeof topic]>, 'headers' | 'producer'>) =>
    createPublisher({ brokers, registry: { url: registryUrl }, topics: [topic], clientId, ...options });
  const publisher = sdkPublisher('bench-sdk', {});
  // The same publisher without record headers: the same bytes on the wire as the raw side.
  const bare = sdkPublisher('bench-sdk-bare', { headers: 'none' });
  // The same two, sending with kafkajs instead of the default @platformatic/kafka.
  const viaKafkajs = sdkPublisher('bench-sdk-kafkajs', { producer: { client: 'kafkajs' } });
  const viaKafkajsBare = sdkPublisher('bench-sdk-kafkajs-bare', { producer: { client: 'kafkajs' }, headers: 'none' });
  const publishers = [publisher, bare, viaKafkajs, viaKafkajsBare];
  const kafka = rawKafka(brokers, 'bench-raw');
  let rawFast: Awaited<ReturnType<typeof rawPlatformaticProducer>> | undefined;
  let producer: Awaited<ReturnType<typeof rawProducer>> | undefined;
  try {
    await publisher.ensureTopics();
    for (const p of publishers) await p.connect();
    producer = await rawProducer(kafka);
    const raw = producer;
    rawFast = await rawPlatformaticProducer(brokers, 'bench-raw-platformatic');
    const rawPlatformatic = rawFast;

    // The same records for both sides: the SDK gets the payloads, the raw producer the
    // bytes the SDK's encoder makes of them (same keys, same partitions).
    const count = Math.max(BULK, CONCURRENT, SEQUENTIAL, LATENCY_BLOCK);
    const input = payloads(count, KEYS);
    const serde = createSerde({ registry: { url: registryUrl } });
    const encoder = await serde.encoder(topic, BenchAccountCreated);
    const envelopes = input.map((p) => createEnvelope(BenchAccountCreated, p, { source: 'bench-sdk' }));
    const messages: Message[] = envelopes.map((e) => {
      const key = Buffer.from(e.aggregateId, 'utf8');
      return { key, value: encoder.encode(e), partition: partitionForKey(key, PARTITIONS) };
    });
    const withHeaders: Message[] = envelopes.map((e, i) => ({
      ...(messages[i] as Message),
      headers: envelopeHeaders(e),
    }));
    const items = input.map(
      (payload) => ({ event: BenchAccountCreated, payload }) as PublishItem<readonly [typeof topic]>,
    );
    const platformaticMessages = messages.map((m) => ({
      topic: topic.name,
      key: m.key as Buffer,
      value: m.value as Buffer,
      partition: m.partition as number,
    }));
    const payloadOf = (i: number) => input[i % input.length] as PayloadInput<typeof BenchAccountCreated>;
    const messageOf = (i: number) => messages[i % messages.length] as Message;
    const sizes = {
      valueBytes: messages[0]?.value?.length,
      keyBytes: (messages[0]?.key as Buffer | undefined)?.length,
      headerBytes: Object.entries(withHeaders[0]?.headers ?? {}).reduce(
        (n, [k, v]) => n + k.length + String(v).length,
        0,
      ),
    };
    log(`publish: topic ${topic.name}, ${PARTITIONS} partitions, ${KEYS} keys, record ${JSON.stringify(sizes)}`);

    // Warm-up: connections, metadata, JIT, on both sides.
    for (const p of publishers) await p.publishMany(items.slice(0, 500));
    await raw.sendBatch({ acks: -1, topicMessages: [{ topic: topic.name, messages: messages.slice(0, 500) }] });
    await rawPlatformatic.send({ messages: platformaticMessages.slice(0, 500) });
    for (let i = 0; i < 20; i++) {
      await publisher.publish(BenchAccountCreated, payloadOf(i));
      await raw.send({ acks: -1, topic: topic.name, messages: [messageOf(i)] });
    }

    // (a) bulk throughput: publishMany per chunk vs sendBatch per chunk.
    log(`publish (a): bulk ${BULK} records in chunks of ${CHUNK}, ${ROUNDS} rounds`);
    const chunks = <T>(list: readonly T[]) => {
      const out: T[][] = [];
      for (let i = 0; i < BULK; i += CHUNK) out.push(list.slice(i, Math.min(i + CHUNK, BULK)));
      return out;
    };
    const sdkChunks = chunks(items);
    const rawChunks = chunks(messages);
    const rawHeaderChunks = chunks(withHeaders);
    const rawPlatformaticChunks = chunks(platformaticMessages);
    const sdkBulk = (sdk: typeof publisher) => () =>
      throughput(BULK, async () => {
        for (const chunk of sdkChunks) await sdk.publishMany(chunk);
      });
    const rawBulk = (list: Message[][]) => () =>
      throughput(BULK, async () => {
        for (const chunk of list)
          await raw.sendBatch({ acks: -1, topicMessages: [{ topic: topic.name, messages: chunk }] });
      });
    const bulk = await alternate<Throughput>(
      ROUNDS,
      [
        ['raw sendBatch', rawBulk(rawChunks)],
        ['SDK publishMany', sdkBulk(publisher)],
        ['raw sendBatch + same headers', rawBulk(rawHeaderChunks)],
        ["SDK publishMany, headers: 'none'", sdkBulk(bare)],
        ['SDK publishMany, client kafkajs', sdkBulk(viaKafkajs)],
        ["SDK publishMany, client kafkajs, headers: 'none'", sdkBulk(viaKafkajsBare)],
        [
          'raw @platformatic/kafka send',
          () =>
            throughput(BULK, async () => {
              for (const chunk of rawPlatformaticChunks) await rawPlatformatic.send({ messages: chunk });
            }),
        ],
      ],
      sampler,
      log,
    );

    // (b) many concurrent awaited publish() calls vs raw sends.
    log(
      `publish (b): ${CONCURRENT} concurrent publish() (limit ${CONCURRENCY.join('/')}) vs ${SEQUENTIAL} raw sends, ${ROUNDS} rounds`,
    );
    const concurrentVariants: Array<readonly [string, () => Promise<Throughput>]> = [
      [
        'raw send, sequential',
        () =>
          throughput(SEQUENTIAL, async () => {
            for (let i = 0; i < SEQUENTIAL; i++)
              await raw.send({ acks: -1, topic: topic.name, messages: [messageOf(i)] });
          }),
      ],
    ];
    for (const limit of CONCURRENCY) {
      concurrentVariants.push([
        `SDK publish x${limit}`,
        () =>
          throughput(CONCURRENT, () =>
            withConcurrency(CONCURRENT, limit, (i) => publisher.publish(BenchAccountCreated, payloadOf(i))),
          ),
      ]);
      concurrentVariants.push([
        `raw send x${limit}`,
        () =>
          throughput(SEQUENTIAL, () =>
            withConcurrency(SEQUENTIAL, limit, (i) =>
              raw.send({ acks: -1, topic: topic.name, messages: [messageOf(i)] }),
            ),
          ),
      ]);
    }
    const concurrent = await alternate<Throughput>(ROUNDS, concurrentVariants, sampler, log);

    // (c) latency of one awaited publish at a time, in alternating blocks.
    log(`publish (c): latency, ${LATENCY_ROUNDS} rounds x ${LATENCY_BLOCK} sequential awaited sends per side`);
    const latencyOf = async (send: (i: number) => Promise<unknown>) => {
      const samples: number[] = [];
      for (let i = 0; i < LATENCY_BLOCK; i++) {
        const started = performance.now();
        await send(i);
        samples.push(performance.now() - started);
      }
      return samples;
    };
    const latency = await alternate<number[]>(
      LATENCY_ROUNDS,
      [
        ['raw send', () => latencyOf((i) => raw.send({ acks: -1, topic: topic.name, messages: [messageOf(i)] }))],
        ['SDK publish', () => latencyOf((i) => publisher.publish(BenchAccountCreated, payloadOf(i)))],
        ['SDK publish, client kafkajs', () => latencyOf((i) => viaKafkajs.publish(BenchAccountCreated, payloadOf(i)))],
        [
          'raw send + same headers',
          () =>
            latencyOf((i) =>
              raw.send({ acks: -1, topic: topic.name, messages: [withHeaders[i % withHeaders.length] as Message] }),
            ),
        ],
      ],
      sampler,
      (line) => log(line.replace(/: \[.*\]/, '')),
    );

    const rows: ResultRow[] = [];
    // The target applies where both sides put the same bytes on the wire (the issue's
    // "the same already-encoded bytes"): the SDK's records with their headers against raw
    // records carrying the same headers, and headers: 'none' against raw without. The row
    // against raw without headers (the SDK sending more bytes) is kept for reference.
    const SAME_HEADERS = "same bytes on the wire: the raw records carry the SDK records' ce_id and ce_type headers";
    const NO_HEADERS = "same bytes on the wire: the SDK with headers: 'none', the raw records without headers";
    const FEWER_BYTES = 'the raw records without headers, the SDK records with their 2 headers (ce_id, ce_type)';
    const KAFKAJS = "the SDK publisher with producer: { client: 'kafkajs' }, the client it used by default before";
    const bulkRows: Array<[string, string, string, number | undefined, string]> = [
      ['', 'raw sendBatch + same headers', 'SDK publishMany', 0.9, SAME_HEADERS],
      [', without headers', 'raw sendBatch', "SDK publishMany, headers: 'none'", 0.9, NO_HEADERS],
      [', raw without headers', 'raw sendBatch', 'SDK publishMany', undefined, FEWER_BYTES],
      [', SDK on kafkajs', 'raw sendBatch + same headers', 'SDK publishMany, client kafkajs', undefined, KAFKAJS],
      [
        ', SDK on kafkajs, without headers',
        'raw sendBatch',
        "SDK publishMany, client kafkajs, headers: 'none'",
        undefined,
        KAFKAJS,
      ],
      [', SDK on kafkajs, raw without headers', 'raw sendBatch', 'SDK publishMany, client kafkajs', undefined, KAFKAJS],
      [
        ', SDK vs raw @platformatic/kafka',
        'raw @platformatic/kafka send',
        "SDK publishMany, headers: 'none'",
        undefined,
        "what the SDK's own work costs on its default client: raw @platformatic/kafka sending the same pre-encoded bytes",
      ],
    ];
    for (const [suffix, baseline, sdk, target, note] of bulkRows) {
      rows.push(throughputRow(bulk, `publish (a): bulk, chunks of ${CHUNK}${suffix}`, baseline, sdk, target, note));
    }
    for (const limit of CONCURRENCY) {
      rows.push(
        throughputRow(
          concurrent,
          `publish (b): ${limit} concurrent awaited publish()`,
          'raw send, sequential',
          `SDK publish x${limit}`,
          3,
          'baseline awaits one raw send per record, one after another',
        ),
        throughputRow(
          concurrent,
          `publish (b): ${limit} concurrent, vs raw concurrent`,
          `raw send x${limit}`,
          `SDK publish x${limit}`,
          undefined,
          `baseline: ${limit} concurrent individual raw send() calls`,
        ),
      );
    }
    const pooled = (variant: string) => runsOf(latency, variant).flatMap((r) => r.result);
    for (const [p, target, baselineVariant, sdkVariant] of [
      [50, 1.2, 'raw send', 'SDK publish'],
      [99, undefined, 'raw send', 'SDK publish'],
      [50, undefined, 'raw send + same headers', 'SDK publish'],
      [50, undefined, 'raw send', 'SDK publish, client kafkajs'],
      [99, undefined, 'raw send', 'SDK publish, client kafkajs'],
    ] as const) {
      rows.push(
        percentileRow(
          p,
          { baseline: pooled(baselineVariant), sdk: pooled(sdkVariant) },
          rssOf(latency, baselineVariant, sdkVariant),
          {
            benchmark: `publish (c): single awaited publish, sequential${baselineVariant === 'raw send' ? '' : ', raw with headers'}${sdkVariant === 'SDK publish' ? '' : ', SDK on kafkajs'}`,
            baseline: `${baselineVariant} (awaited)`,
            sdk: `${sdkVariant} (awaited)`,
            ...(target === undefined ? {} : { target }),
            note: `pooled over ${LATENCY_ROUNDS} alternating blocks of ${LATENCY_BLOCK}`,
          },
        ),
      );
    }

    const summarize = (runs: Array<VariantRun<Throughput>>) =>
      Object.fromEntries(
        [...new Set(runs.map((r) => r.variant))].map((v) => [
          v,
          {
            msgsPerSMedian: medianMsgsPerS(runs, v),
            msgsPerSAll: runsOf(runs, v).map((r) => r.result.msgsPerS),
            cpuUsPerMsgMedian: round(median(runsOf(runs, v).map((r) => r.result.cpuUsPerMsg)), 1),
            rssPeakMb: peakRss(runs, v),
          },
        ]),
      );
    const latencySummary = Object.fromEntries(
      ['raw send', 'SDK publish', 'SDK publish, client kafkajs', 'raw send + same headers'].map((v) => [
        v,
        {
          p50: round(percentile(pooled(v), 50), 3),
          p90: round(percentile(pooled(v), 90), 3),
          p99: round(percentile(pooled(v), 99), 3),
          max: round(Math.max(...pooled(v)), 3),
          p50PerRound: runsOf(latency, v).map((r) => round(percentile(r.result, 50), 3)),
          rssPeakMb: peakRss(latency, v),
        },
      ]),
    );
    return {
      name: 'publish',
      startedAt: startedAt.toISOString(),
      durationS: round((Date.now() - startedAt.getTime()) / 1000, 1),
      machine: machine(),
      config: {
        rounds: ROUNDS,
        bulk: BULK,
        chunk: CHUNK,
        concurrent: CONCURRENT,
        concurrency: CONCURRENCY,
        sequential: SEQUENTIAL,
        latencyRounds: LATENCY_ROUNDS,
        latencyBlock: LATENCY_BLOCK,
        keys: KEYS,
        partitions: PARTITIONS,
      },
      rows,
      details: {
        sizes,
        bulk: summarize(bulk),
        concurrent: summarize(concurrent),
        latencyMs: latencySummary,
        rssEndMb: rssNow(),
      },
    };
  } finally {
    await sampler.close();
    for (const p of publishers) await p.close().catch(() => {});
    await rawFast?.close().catch(() => {});
    await producer?.disconnect().catch(() => {});
    await deleteTopics([topic.name], { withSubjects: true }).catch((error: unknown) => log(`cleanup: ${error}`));
  }
}

if (import.meta.main) report(await main());
