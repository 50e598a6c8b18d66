import { defineEvent, defineTopic } from '@kbus/core';
import { createPublisher } from '@kbus/publisher';
import { createSubscriber, redrive } from '@kbus/subscriber';
import { deleteTopics, readTopic, testStack, uniqueName, waitFor, waitForGroupAtEnd } from '@kbus/testkit';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { otelSdk, parentOf, spanNamed } from './otel-sdk.ts';

const OrderPlaced = defineEvent({
  type: 'order.placed',
  version: 1,
  namespace: 'com.acme.otel',
  schema: z.object({ orderId: z.string() }),
  aggregateId: (p) => p.orderId,
});
const OrderShipped = defineEvent({
  type: 'order.shipped',
  version: 1,
  namespace: 'com.acme.otel',
  schema: z.object({ orderId: z.string() }),
  aggregateId: (p) => p.orderId,
});
const OrderBilled = defineEvent({
  type: 'order.billed',
  version: 1,
  namespace: 'com.acme.otel',
  schema: z.object({ orderId: z.string() }),
  aggregateId: (p) => p.orderId,
});

function connection() {
  const stack = testStack();
  return { brokers: stack.brokers, registry: { url: stack.registryUrl } };
}

describe('OpenTelemetry through a chain of services', () => {
  it('one trace from a root span in A through B and C to the dead letter in D, and a redrive that links back', async () => {
    await using otel = otelSdk();
    const placed = defineTopic({ name: uniqueName('otel-placed'), events: [OrderPlaced], partitions: 3 });
    const shipped = defineTopic({ name: uniqueName('otel-shipped'), events: [OrderShipped], partitions: 3 });
    const billed = defineTopic({ name: uniqueName('otel-billed'), events: [OrderBilled], partitions: 3 });
    const dlt = `${billed.name}.dlt`;
    const groups = { b: uniqueName('svc-b'), c: uniqueName('svc-c'), d: uniqueName('svc-d') };
    await using a = createPublisher({ ...connection(), topics: [placed], clientId: 'service-a' });
    await using b = createPublisher({ ...connection(), topics: [shipped], clientId: 'service-b' });
    await using c = createPublisher({ ...connection(), topics: [billed], clientId: 'service-c' });
    try {
      await a.ensureTopics();
      await b.ensureTopics();
      await c.ensureTopics();
      let dFails = true;
      await using serviceB = createSubscriber({
        ...connection(),
        groupId: groups.b,
        topics: [placed],
        handlers: {
          'order.placed': async (event) => {
            await b.causedBy(event).publish(OrderShipped, { orderId: event.payload.orderId });
          },
        },
      });
      await using serviceC = createSubscriber({
        ...connection(),
        groupId: groups.c,
        topics: [shipped],
        handlers: {
          'order.shipped': async (event) => {
            await c.causedBy(event).publish(OrderBilled, { orderId: event.payload.orderId });
          },
        },
      });
      await using serviceD = createSubscriber({
        ...connection(),
        groupId: groups.d,
        topics: [billed],
        retry: { attempts: 2, initialDelayMs: 10 },
        handlers: {
          'order.billed': () => {
            if (dFails) throw new Error('billing ledger is read-only');
          },
        },
      });
      await Promise.all([serviceB.start(), serviceC.start(), serviceD.start()]);

      const orderId = 'order-42';
      const root = await otel.tracer.startActiveSpan('POST /orders', async (span) => {
        await a.publish(OrderPlaced, { orderId });
        span.end();
        return span;
      });
      const traceId = root.spanContext().traceId;
      await waitForGroupAtEnd(groups.d, billed.name);
      const [deadLettered] = await readTopic(dlt, { minRecords: 1 });
      const spans = await waitFor(() => {
        const all = otel.spans();
        return all.some((s) => s.name === `send ${dlt}`) && all;
      });

      // One trace id throughout.
      expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([traceId]));

      const sendPlaced = spanNamed(spans, `send ${placed.name}`);
      const processPlaced = spanNamed(spans, `process ${placed.name}`);
      const sendShipped = spanNamed(spans, `send ${shipped.name}`);
      const processShipped = spanNamed(spans, `process ${shipped.name}`);
      const sendBilled = spanNamed(spans, `send ${billed.name}`);
      const firstTry = spanNamed(spans, `process ${billed.name}`, { 'kbus.attempt': 1 });
      const secondTry = spanNamed(spans, `process ${billed.name}`, { 'kbus.attempt': 2 });
      const sendDlt = spanNamed(spans, `send ${dlt}`);

      // Parents as the conventions say: each send is a child of what was active when it was
      // published; each process span is a child of the context its record carried.
      const id = (s: Pick<ReadableSpan, 'spanContext'>) => s.spanContext().spanId;
      expect(parentOf(sendPlaced)).toBe(id(root));
      expect(parentOf(processPlaced)).toBe(id(sendPlaced));
      expect(parentOf(sendShipped)).toBe(id(processPlaced));
      expect(parentOf(processShipped)).toBe(id(sendShipped));
      expect(parentOf(sendBilled)).toBe(id(processShipped));
      expect(parentOf(firstTry)).toBe(id(sendBilled));
      expect(parentOf(secondTry)).toBe(id(sendBilled));
      expect(parentOf(sendDlt)).toBe(id(sendBilled));
      // …and linked to it, as the conventions ask of process spans.
      expect(processPlaced.links.map((l) => l.context.spanId)).toEqual([id(sendPlaced)]);

      for (const span of [sendPlaced, sendShipped, sendBilled, sendDlt]) expect(span.kind).toBe(SpanKind.PRODUCER);
      for (const span of [processPlaced, processShipped, firstTry, secondTry])
        expect(span.kind).toBe(SpanKind.CONSUMER);

      const [placedRecord] = await readTopic(placed.name, { minRecords: 1 });
      expect(sendPlaced.attributes).toMatchObject({
        'messaging.system': 'kafka',
        'messaging.operation.name': 'send',
        'messaging.operation.type': 'send',
        'messaging.destination.name': placed.name,
        'messaging.destination.partition.id': String(placedRecord?.partition),
        'messaging.kafka.message.key': orderId,
        'messaging.kafka.offset': Number(placedRecord?.offset),
        'messaging.message.id': placedRecord?.headers.ce_id,
      });
      expect(processPlaced.attributes).toMatchObject({
        'messaging.system': 'kafka',
        'messaging.operation.name': 'process',
        'messaging.operation.type': 'process',
        'messaging.destination.name': placed.name,
        'messaging.destination.partition.id': String(placedRecord?.partition),
        'messaging.consumer.group.name': groups.b,
        'messaging.kafka.message.key': orderId,
        'messaging.kafka.offset': Number(placedRecord?.offset),
        'messaging.message.id': placedRecord?.headers.ce_id,
        'messaging.message.conversation_id': placedRecord?.headers.ce_id,
      });
      // The follow-up keeps the conversation: its correlation id is the first event's id.
      expect(processShipped.attributes['messaging.message.conversation_id']).toBe(placedRecord?.headers.ce_id);
      for (const attempt of [firstTry, secondTry]) {
        expect(attempt.status.code).toBe(SpanStatusCode.ERROR);
        expect(attempt.attributes['error.type']).toBe('HANDLER_FAILED');
        expect(attempt.events.some((e) => e.name === 'exception')).toBe(true);
      }
      expect(sendDlt.attributes).toMatchObject({
        'messaging.destination.name': dlt,
        'kbus.dead_letter.source_topic': billed.name,
        'messaging.consumer.group.name': groups.d,
        'error.type': 'HANDLER_FAILED',
      });
      // The dead-letter record keeps the producer's trace context.
      const billedTraceparent = `00-${traceId}-${id(sendBilled)}-01`;
      expect(deadLettered?.headers.traceparent).toBe(billedTraceparent);

      // Redrive from an operator's own trace: the redriven record's processing belongs to
      // that trace and links back to the failed one.
      dFails = false;
      const operator = await otel.tracer.startActiveSpan('ops: redrive billing', async (span) => {
        const result = await redrive({ brokers: testStack().brokers, deadLetterTopic: dlt });
        span.end();
        expect(result.redriven).toBe(1);
        return span;
      });
      await waitForGroupAtEnd(groups.d, billed.name);
      const after = await waitFor(() => {
        const all = otel.spans();
        return all.some((s) => s.name === `process ${billed.name}` && s.status.code !== SpanStatusCode.ERROR) && all;
      });
      const redriveSend = spanNamed(after, `send ${billed.name}`, { 'kbus.redrive.dead_letter_topic': dlt });
      const redriven = after.find(
        (s) => s.name === `process ${billed.name}` && s.status.code !== SpanStatusCode.ERROR,
      ) as ReadableSpan;
      expect(redriveSend.spanContext().traceId).toBe(operator.spanContext().traceId);
      expect(parentOf(redriveSend)).toBe(id(operator));
      expect(redriveSend.links.map((l) => l.context.spanId)).toEqual([id(sendBilled)]);
      expect(parentOf(redriven)).toBe(id(redriveSend));

      // Metrics: the counts equal what was sent, handled, retried and dead-lettered.
      const sum = async (name: string, where: Record<string, string>) =>
        (await otel.points(name, where)).reduce((total, p) => total + (p.value as number), 0);
      expect(await sum('messaging.client.sent.messages', { 'messaging.destination.name': placed.name })).toBe(1);
      expect(await sum('messaging.client.sent.messages', { 'messaging.destination.name': shipped.name })).toBe(1);
      expect(await sum('messaging.client.sent.messages', { 'messaging.destination.name': billed.name })).toBe(1);
      expect(await sum('messaging.client.consumed.messages', { 'messaging.consumer.group.name': groups.b })).toBe(1);
      expect(await sum('messaging.client.consumed.messages', { 'messaging.consumer.group.name': groups.c })).toBe(1);
      // D: the record (dead-lettered), then its redriven copy (handled).
      expect(await sum('messaging.client.consumed.messages', { 'messaging.consumer.group.name': groups.d })).toBe(2);
      expect(await sum('kbus.consumer.dead_letters', { 'messaging.consumer.group.name': groups.d })).toBe(1);
      expect(await sum('kbus.consumer.retries', { 'messaging.consumer.group.name': groups.d })).toBe(1);
      const processed = await otel.points('messaging.process.duration', { 'messaging.consumer.group.name': groups.d });
      expect(processed.reduce((n, p) => n + (p.value as { count: number }).count, 0)).toBe(3);
      const operations = await otel.points('messaging.client.operation.duration', {
        'messaging.destination.name': placed.name,
      });
      expect(operations.reduce((n, p) => n + (p.value as { count: number }).count, 0)).toBe(1);
      for (const group of Object.values(groups)) {
        const lag = await otel.points('kbus.consumer.lag', { 'messaging.consumer.group.name': group });
        expect(lag.length, group).toBeGreaterThan(0);
        expect(lag.map((p) => p.value)).toEqual(lag.map(() => 0));
      }
    } finally {
      await deleteTopics([placed.name, shipped.name, billed.name, dlt], { withSubjects: true });
    }
  });

  it('publishMany: a create span per record under the caller, one send span linking them, consumers under each create', async () => {
    await using otel = otelSdk();
    const placed = defineTopic({ name: uniqueName('otel-many'), events: [OrderPlaced], partitions: 3 });
    const groupId = uniqueName('svc-many');
    await using a = createPublisher({ ...connection(), topics: [placed], clientId: 'service-a' });
    try {
      await a.ensureTopics();
      await using consumer = createSubscriber({
        ...connection(),
        groupId,
        topics: [placed],
        handlers: { 'order.placed': () => {} },
      });
      await consumer.start();
      const orders = ['o-1', 'o-2', 'o-3'];
      const root = await otel.tracer.startActiveSpan('POST /orders/bulk', async (span) => {
        await a.publishMany(orders.map((orderId) => ({ event: OrderPlaced, payload: { orderId } })));
        span.end();
        return span;
      });
      await waitForGroupAtEnd(groupId, placed.name);
      const spans = await waitFor(() => {
        const all = otel.spans();
        return all.filter((s) => s.name === `process ${placed.name}`).length === orders.length && all;
      });
      const id = (s: Pick<ReadableSpan, 'spanContext'>) => s.spanContext().spanId;
      const send = spanNamed(spans, `send ${placed.name}`);
      const creates = spans.filter((s) => s.name === `create ${placed.name}`);
      const processes = spans.filter((s) => s.name === `process ${placed.name}`);
      expect(send.kind).toBe(SpanKind.CLIENT);
      expect(send.attributes['messaging.batch.message_count']).toBe(orders.length);
      expect(parentOf(send)).toBe(id(root));
      expect(creates).toHaveLength(orders.length);
      for (const create of creates) {
        expect(create.kind).toBe(SpanKind.PRODUCER);
        expect(create.attributes['messaging.operation.type']).toBe('create');
        expect(parentOf(create)).toBe(id(root));
      }
      expect(new Set(send.links.map((l) => l.context.spanId))).toEqual(new Set(creates.map(id)));
      expect(new Set(processes.map(parentOf))).toEqual(new Set(creates.map(id)));
      for (const span of spans) expect(span.spanContext().traceId).toBe(root.spanContext().traceId);
    } finally {
      await deleteTopics([placed.name], { withSubjects: true });
    }
  });
});
