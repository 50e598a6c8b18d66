import { instrument } from '@kbus/otel';
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

const KEY = 'messaging.kafka.message.key';

/**
 * An in-process collector for the demo: the OpenTelemetry SDK with an in-memory exporter
 * and @kbus/otel's instrumentation, and a printer for the traces of one account.
 */
export function startTracing() {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const instrumentation = instrument({ tracerProvider, meterProvider: false });
  return {
    /**
     * Prints every trace that touched one account (default: the account whose event was
     * redriven, the richest story), as trees of spans; links are shown where they point.
     */
    printAccount(print: (line: string) => void, accountId?: string) {
      const spans = exporter.getFinishedSpans();
      const account =
        accountId ??
        (spans.find((s) => s.attributes['kbus.redrive.dead_letter_topic'] !== undefined)?.attributes[KEY] as
          | string
          | undefined) ??
        (spans.find((s) => s.attributes[KEY] !== undefined)?.attributes[KEY] as string | undefined);
      if (account === undefined) return;
      const traceIds = [
        ...new Set(spans.filter((s) => s.attributes[KEY] === account).map((s) => s.spanContext().traceId)),
      ];
      print(`Traces of account ${account} (${traceIds.length}):`);
      for (const traceId of traceIds) {
        const inTrace = spans.filter((s) => s.spanContext().traceId === traceId);
        const ids = new Set(inTrace.map((s) => s.spanContext().spanId));
        const children = (parent: string | undefined) =>
          inTrace
            .filter((s) =>
              parent === undefined
                ? !ids.has(s.parentSpanContext?.spanId ?? '')
                : s.parentSpanContext?.spanId === parent,
            )
            .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
        print(`  trace ${traceId}`);
        const walk = (span: ReadableSpan, depth: number) => {
          print(`  ${'  '.repeat(depth + 1)}${describe(span)}`);
          for (const child of children(span.spanContext().spanId)) walk(child, depth + 1);
        };
        for (const top of children(undefined)) walk(top, 0);
      }
    },
    async stop() {
      instrumentation.disable();
      await tracerProvider.shutdown();
    },
  };
}

function describe(span: ReadableSpan): string {
  const a = span.attributes;
  const ms = (span.duration[0] * 1e3 + span.duration[1] / 1e6).toFixed(1);
  const parts = [span.name];
  if (a['messaging.consumer.group.name']) parts.push(`group=${a['messaging.consumer.group.name']}`);
  if (a['kbus.event.type']) parts.push(String(a['kbus.event.type']));
  if (a['messaging.destination.partition.id'] !== undefined) parts.push(`p=${a['messaging.destination.partition.id']}`);
  if (a['messaging.kafka.offset'] !== undefined) parts.push(`off=${a['messaging.kafka.offset']}`);
  if (a['kbus.attempt'] !== undefined && a['kbus.attempt'] !== 1) parts.push(`attempt ${a['kbus.attempt']}`);
  if (a['error.type']) parts.push(`error=${a['error.type']}`);
  if (a['kbus.dead_letter.source_topic']) parts.push('(dead letter)');
  if (a['kbus.redrive.dead_letter_topic']) parts.push(`(redrive from ${a['kbus.redrive.dead_letter_topic']})`);
  for (const link of span.links)
    parts.push(`-> links trace ${link.context.traceId.slice(0, 8)}… span ${link.context.spanId}`);
  return `${parts.join('  ')}  ${ms} ms`;
}
