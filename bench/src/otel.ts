/**
 * The cost of @kbus/otel: publishing and consuming with the instrumentation enabled (the
 * real OpenTelemetry SDK: batch span processor, metrics aggregated in memory, nothing
 * exported), every trace recorded or 1 % sampled, against the same SDK with it disabled, in
 * alternating rounds of one process.
 * Disabled means nobody listens on the channels: the SDK's untraced paths.
 *
 *   node --conditions=source --no-warnings --expose-gc bench/src/otel.ts
 *
 * Env: BENCH_OTEL_ROUNDS (3), BENCH_OTEL_EVENTS (10000), BENCH_OTEL_CONCURRENCY (256), BENCH_KEYS (1000).
 */
import { instrument } from '@kbus/otel';
import { createPublisher } from '@kbus/publisher';
import { createSubscriber } from '@kbus/subscriber';
import { deleteTopics } from '@kbus/testkit';
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { type ExportResult, ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import {
  alternate,
  type BenchResult,
  intEnv,
  log,
  machine,
  pairedRow,
  RssSampler,
  report,
  round,
  throughputRow,
  withConcurrency,
} from './common.ts';
import { BenchAccountCreated, benchTopic, connection, KEYS, PARTITIONS, payloads } from './contracts.ts';

const ROUNDS = intEnv('BENCH_OTEL_ROUNDS', 3);
const EVENTS = intEnv('BENCH_OTEL_EVENTS', 10_000);
const CONCURRENCY = intEnv('BENCH_OTEL_CONCURRENCY', 256);

/** Accepts every span and keeps none: the cost measured is making and batching them. */
class DiscardingExporter implements SpanExporter {
  exported = 0;
  export(spans: unknown[], done: (result: ExportResult) => void): void {
    this.exported += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** A pull reader nobody pulls from: instruments aggregate in memory. */
class IdleReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

interface Run {
  readonly publishMsgsPerS: number;
  /** Process CPU time (user + system) per event, µs: less swayed than msgs/s by other load on the machine. */
  readonly publishCpuUs: number;
  readonly consumeMsgsPerS: number;
  readonly consumeCpuUs: number;
}

export async function main(): Promise<BenchResult> {
  const startedAt = new Date();
  const { brokers, registryUrl } = connection();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const exporter = new DiscardingExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  // What busy services run: 1 % of traces recorded, the rest only propagated.
  const sampledProvider = new BasicTracerProvider({
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.01) }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  const meterProvider = new MeterProvider({ readers: [new IdleReader()] });
  const events = payloads(EVENTS, KEYS);
  const topics: string[] = [];

  const once = async (tracing: BasicTracerProvider | undefined): Promise<Run> => {
    const topic = benchTopic('otel', PARTITIONS);
    topics.push(topic.name, `${topic.name}.dlt`);
    const instrumentation = tracing ? instrument({ tracerProvider: tracing, meterProvider }) : undefined;
    const publisher = createPublisher({
      brokers,
      registry: { url: registryUrl },
      topics: [topic],
      clientId: 'bench-otel',
    });
    try {
      await publisher.ensureTopics();
      await publisher.connect();
      let started = performance.now();
      let cpu = process.cpuUsage();
      await withConcurrency(EVENTS, CONCURRENCY, (i) => publisher.publish(BenchAccountCreated, events[i] as never));
      const publishMs = performance.now() - started;
      const publishCpu = process.cpuUsage(cpu);
      let handled = 0;
      const { promise: all, resolve } = Promise.withResolvers<void>();
      const subscriber = createSubscriber({
        brokers,
        registry: { url: registryUrl },
        groupId: `${topic.name}.group`,
        topics: [topic],
        handlers: {
          'bench.user-account.created': () => {
            if (++handled === EVENTS) resolve();
          },
        },
      });
      started = performance.now();
      cpu = process.cpuUsage();
      await subscriber.start();
      await all;
      const consumeMs = performance.now() - started;
      const consumeCpu = process.cpuUsage(cpu);
      await subscriber.stop();
      return {
        publishMsgsPerS: Math.round((EVENTS * 1000) / publishMs),
        publishCpuUs: round((publishCpu.user + publishCpu.system) / EVENTS, 1),
        consumeMsgsPerS: Math.round((EVENTS * 1000) / consumeMs),
        consumeCpuUs: round((consumeCpu.user + consumeCpu.system) / EVENTS, 1),
      };
    } finally {
      await publisher.close();
      instrumentation?.disable();
    }
  };

  const sampler = new RssSampler();
  try {
    const runs = await alternate<Run>(
      ROUNDS,
      [
        ['disabled', () => once(undefined)],
        ['enabled', () => once(tracerProvider)],
        ['enabled, 1 % sampled', () => once(sampledProvider)],
      ],
      sampler,
      log,
    );
    await tracerProvider.forceFlush();
    await sampledProvider.forceFlush();
    log(`  spans made and discarded by the exporter: ${exporter.exported}`);
    const cpuRow = (what: 'publish' | 'consume', sdk: string) =>
      pairedRow(runs, 'CPU µs/event', (r) => (what === 'publish' ? r.publishCpuUs : r.consumeCpuUs), 1, {
        benchmark: `${what} ${EVENTS} events`,
        baseline: 'disabled',
        sdk,
        better: 'lower',
        note: 'process CPU time per event',
      });
    const publish = runs.map((r) => ({ ...r, result: { msgsPerS: r.result.publishMsgsPerS } }));
    const consume = runs.map((r) => ({ ...r, result: { msgsPerS: r.result.consumeMsgsPerS } }));
    return {
      name: 'otel',
      startedAt: startedAt.toISOString(),
      durationS: round((Date.now() - startedAt.getTime()) / 1000, 1),
      machine: machine(),
      config: { rounds: ROUNDS, events: EVENTS, concurrency: CONCURRENCY, keys: KEYS, partitions: PARTITIONS },
      details: { runs, spansExported: exporter.exported },
      rows: [
        throughputRow(
          publish,
          `publish ${EVENTS} events, ${CONCURRENCY} in flight`,
          'disabled',
          'enabled',
          0.85,
          'every trace recorded: a span per publish, W3C headers on every record, metrics',
        ),
        throughputRow(
          publish,
          `publish ${EVENTS} events, ${CONCURRENCY} in flight`,
          'disabled',
          'enabled, 1 % sampled',
          0.85,
          'ParentBased(TraceIdRatio 0.01): headers and metrics on every record, 1 % of spans recorded',
        ),
        throughputRow(
          consume,
          `consume ${EVENTS} events (new group, from the start)`,
          'disabled',
          'enabled',
          0.85,
          'includes joining the group; a process span and metrics per record',
        ),
        throughputRow(
          consume,
          `consume ${EVENTS} events (new group, from the start)`,
          'disabled',
          'enabled, 1 % sampled',
          0.85,
          'the sampling decision travels with the record: 1 % of process spans recorded',
        ),
        cpuRow('publish', 'enabled'),
        cpuRow('publish', 'enabled, 1 % sampled'),
        cpuRow('consume', 'enabled'),
        cpuRow('consume', 'enabled, 1 % sampled'),
      ],
    };
  } finally {
    await sampler.close();
    await deleteTopics(topics, { withSubjects: true }).catch(() => {});
    await tracerProvider.shutdown();
    await sampledProvider.shutdown();
    await meterProvider.shutdown();
  }
}

if (import.meta.main) report(await main());
