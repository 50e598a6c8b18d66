import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AggregationTemporality,
  type DataPoint,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { type Instrumentation, instrument } from '../src/index.ts';

/**
 * The real OpenTelemetry SDK as a service would set it up (AsyncLocalStorage context
 * manager, W3C trace context propagator), with in-memory exporters to read back from.
 */
export function otelSdk() {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const instrumentation: Instrumentation = instrument({ tracerProvider, meterProvider });
  const tracer = tracerProvider.getTracer('test-service');
  return {
    tracer,
    spans: () => spans.getFinishedSpans(),
    /** Data points of one metric whose attributes include `where`. */
    async points(name: string, where: Record<string, string> = {}): Promise<DataPoint<unknown>[]> {
      metricExporter.reset();
      await reader.forceFlush();
      const all = metricExporter
        .getMetrics()
        .flatMap((r) => r.scopeMetrics)
        .flatMap((s) => s.metrics)
        .filter((m) => m.descriptor.name === name)
        .flatMap((m) => m.dataPoints as DataPoint<unknown>[]);
      return all.filter((p) => Object.entries(where).every(([k, v]) => p.attributes[k] === v));
    },
    async [Symbol.asyncDispose]() {
      instrumentation.disable();
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      context.disable();
      propagation.disable();
    },
  };
}

/** The one span with this name (and attributes), failing clearly when there is none or several. */
export function spanNamed(spans: readonly ReadableSpan[], name: string, where: Record<string, unknown> = {}) {
  const found = spans.filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.attributes[k] === v));
  if (found.length !== 1)
    throw new Error(
      `expected one span "${name}" ${JSON.stringify(where)}, found ${found.length}: ${spans.map((s) => s.name).join(', ')}`,
    );
  return found[0] as ReadableSpan;
}

export const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
