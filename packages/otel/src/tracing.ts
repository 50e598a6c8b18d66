import {
  channels,
  type HandleContext,
  type OutboxAddContext,
  type PublishContext,
  type PublishManyContext,
  type RecordOutcomeMessage,
  type RedriveContext,
  type RelaySendContext,
} from '@kbus/core';
import { type Attributes, context, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { ATTR, errorType, type RenamedAttributes } from './attributes.ts';
import { extractContext, injectContext } from './carrier.ts';
import type { Subscriptions } from './subscriptions.ts';

function fail(span: Span, error: unknown): void {
  span.setAttribute(ATTR.errorType, errorType(error));
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message ?? String(error) });
}

/**
 * Spans per the messaging conventions: `send <topic>` (PRODUCER) per publish and per relayed
 * outbox row; for publishMany() one `send` (CLIENT) linking a `create <topic>` (PRODUCER) per
 * record, `create <topic>` (PRODUCER) per `outbox.add()`, `process <topic>` (CONSUMER)
 * per handler attempt as a child of the producer's context, a `send <dead-letter topic>`
 * span per dead-lettered record, and a `send <topic>` span per redriven record that links
 * back to the original trace. The producer's context travels as W3C trace context headers
 * through the global propagator.
 */
export function traceChannels(tracer: Tracer, names: RenamedAttributes, subscriptions: Subscriptions): void {
  const base = (operation: 'send' | 'create' | 'process', topic: string | undefined): Attributes => {
    const attributes: Attributes = { [ATTR.operationName]: operation, [ATTR.operationType]: operation };
    if (topic !== undefined) attributes[ATTR.destination] = topic;
    names.system(attributes);
    return attributes;
  };

  const batches = new WeakMap<PublishManyContext, Span>();
  subscriptions.tracing<PublishManyContext>(channels.publishMany, {
    start(message) {
      // One topic: `send <topic>`; several: `send` with no destination (the conventions' rule).
      const only = message.topics.length === 1 ? message.topics[0] : undefined;
      const attributes = base('send', only);
      attributes[ATTR.batchCount] = message.records;
      // CLIENT, since each message has its own `create` span (PRODUCER) that the consumer sees.
      const span = tracer.startSpan(
        only === undefined ? 'send' : `send ${only}`,
        { kind: SpanKind.CLIENT, attributes },
        context.active(),
      );
      batches.set(message, span);
    },
    error(message) {
      const span = batches.get(message);
      if (span) fail(span, message.error);
    },
    asyncEnd(message) {
      batches.get(message)?.end();
      batches.delete(message);
    },
  });

  const published = new WeakMap<PublishContext, Span>();
  subscriptions.tracing<PublishContext>(channels.publish, {
    start(message) {
      const batch = message.batch ? batches.get(message.batch) : undefined;
      const operation = batch ? 'create' : 'send';
      const parent = context.active();
      const span = tracer.startSpan(
        `${operation} ${message.topic}`,
        { kind: SpanKind.PRODUCER, attributes: base(operation, message.topic) },
        parent,
      );
      if (span.isRecording()) {
        const more: Attributes = {
          [ATTR.messageId]: message.eventId,
          [ATTR.conversationId]: message.correlationId,
          [ATTR.eventType]: message.eventType,
        };
        names.key(more, message.aggregateId);
        span.setAttributes(more);
      }
      // In a publishMany() the record carries its own creation context; the batch's send links to it.
      batch?.addLink({ context: span.spanContext() });
      injectContext(trace.setSpan(parent, span), message.carrier);
      published.set(message, span);
    },
    error(message) {
      const span = published.get(message);
      if (span) fail(span, message.error);
    },
    asyncEnd(message) {
      const span = published.get(message);
      if (!span) return;
      published.delete(message);
      if (message.partition !== undefined) span.setAttribute(ATTR.partition, String(message.partition));
      if (message.offset !== undefined) {
        const attributes: Attributes = {};
        names.offset(attributes, message.offset);
        span.setAttributes(attributes);
      }
      span.end();
    },
  });

  const handled = new WeakMap<HandleContext, Span>();
  subscriptions.tracing<HandleContext>(channels.handle, {
    start(message) {
      // What a sampler may look at is given at creation; the rest only to a recorded span.
      const attributes = base('process', message.topic);
      attributes[ATTR.consumerGroup] = message.groupId;
      // One record: the process span is a child of the context its producer sent.
      const parent = extractContext(message.headers);
      const span = tracer.startSpan(`process ${message.topic}`, { kind: SpanKind.CONSUMER, attributes }, parent);
      if (span.isRecording()) {
        const more: Attributes = {
          [ATTR.partition]: String(message.partition),
          [ATTR.attempt]: message.attempt,
        };
        if (message.eventId !== undefined) more[ATTR.messageId] = message.eventId;
        if (message.correlationId !== undefined) more[ATTR.conversationId] = message.correlationId;
        if (message.eventType !== undefined) more[ATTR.eventType] = message.eventType;
        names.key(more, message.key);
        names.offset(more, message.offset);
        span.setAttributes(more);
        // The conventions also link a process span to the message's creation context.
        const creation = trace.getSpanContext(parent);
        if (creation) span.addLink({ context: creation });
      }
      const inSpan = trace.setSpan(parent, span);
      message.scope = (run) => context.with(inSpan, run);
      handled.set(message, span);
    },
    error(message) {
      const span = handled.get(message);
      if (span) fail(span, message.error);
    },
    asyncEnd(message) {
      const span = handled.get(message);
      if (!span) return;
      handled.delete(message);
      span.end();
    },
  });

  subscriptions.plain<RecordOutcomeMessage>(channels.record, (message) => {
    if (message.outcome !== 'dead-lettered' || message.deadLetterTopic === undefined) return;
    const attributes = base('send', message.deadLetterTopic);
    attributes[ATTR.deadLetterSource] = message.topic;
    attributes[ATTR.consumerGroup] = message.groupId;
    attributes[ATTR.attempt] = message.attempt;
    if (message.eventType !== undefined) attributes[ATTR.eventType] = message.eventType;
    names.offset(attributes, message.offset);
    if (message.error !== undefined) attributes[ATTR.errorType] = errorType(message.error);
    // The dead-letter record keeps the original headers, so it stays in the producer's trace.
    const span = tracer.startSpan(
      `send ${message.deadLetterTopic}`,
      { kind: SpanKind.PRODUCER, attributes, startTime: Date.now() - message.durationMs },
      extractContext(message.headers),
    );
    span.end();
  });

  const added = new WeakMap<OutboxAddContext, Span>();
  subscriptions.tracing<OutboxAddContext>(channels.outboxAdd, {
    start(message) {
      const attributes = base('create', message.topic);
      attributes[ATTR.messageId] = message.eventId;
      attributes[ATTR.conversationId] = message.correlationId;
      attributes[ATTR.eventType] = message.eventType;
      names.key(attributes, message.aggregateId);
      const parent = context.active();
      const span = tracer.startSpan(`create ${message.topic}`, { kind: SpanKind.PRODUCER, attributes }, parent);
      // Stored with the row: the relay's send continues this trace.
      injectContext(trace.setSpan(parent, span), message.carrier);
      added.set(message, span);
    },
    error(message) {
      const span = added.get(message);
      if (span) fail(span, message.error);
    },
    asyncEnd(message) {
      added.get(message)?.end();
      added.delete(message);
    },
  });

  const relayed = new WeakMap<RelaySendContext, Span[]>();
  subscriptions.tracing<RelaySendContext>(channels.relaySend, {
    start(message) {
      const spans = message.records.map((record) => {
        const attributes = base('send', record.topic);
        attributes[ATTR.messageId] = record.eventId;
        names.key(attributes, record.key);
        // A child of the `create` span stored with the row: the caller's trace goes on.
        const parent = extractContext(record.stored);
        const span = tracer.startSpan(`send ${record.topic}`, { kind: SpanKind.PRODUCER, attributes }, parent);
        injectContext(trace.setSpan(parent, span), record.headers);
        return span;
      });
      relayed.set(message, spans);
    },
    error(message) {
      for (const span of relayed.get(message) ?? []) fail(span, message.error);
    },
    asyncEnd(message) {
      for (const span of relayed.get(message) ?? []) span.end();
      relayed.delete(message);
    },
  });

  const redriven = new WeakMap<RedriveContext, Span>();
  subscriptions.tracing<RedriveContext>(channels.redrive, {
    start(message) {
      const attributes = base('send', message.topic);
      attributes[ATTR.redriveFrom] = message.deadLetterTopic;
      attributes[ATTR.partition] = String(message.partition);
      names.key(attributes, message.key);
      const original = trace.getSpanContext(extractContext(message.headers));
      // The redrive runs in its caller's trace and links back to the failed record's.
      const parent = context.active();
      const span = tracer.startSpan(
        `send ${message.topic}`,
        { kind: SpanKind.PRODUCER, attributes, links: original ? [{ context: original }] : [] },
        parent,
      );
      injectContext(trace.setSpan(parent, span), message.headers);
      redriven.set(message, span);
    },
    error(message) {
      const span = redriven.get(message);
      if (span) fail(span, message.error);
    },
    asyncEnd(message) {
      redriven.get(message)?.end();
      redriven.delete(message);
    },
  });
}
