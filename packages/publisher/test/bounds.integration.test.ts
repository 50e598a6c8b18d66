import { defineEvent, defineTopic, isKbusError, type KbusError } from '@kbus/core';
import { startUnresponsiveServer, testStack, uniqueName, waitFor } from '@kbus/testkit';
import { createKafkaClient } from '@kbus/transport';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createPublisher } from '../src/index.ts';

const Pinged = defineEvent({
  type: 'bounds.pinged',
  version: 1,
  namespace: 'com.acme.bounds',
  schema: z.object({ id: z.string() }),
  aggregateId: (p) => p.id,
});

/** Time the bound may be overrun by: timer granularity, a loaded two-core machine. */
const SLACK_MS = 1_500;
const REQUEST_TIMEOUT_MS = 5_000;

async function timed(work: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  const error = await work().then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, ms: Date.now() - started };
}

describe.each(['silent', 'garbage'] as const)('a broker that accepts connections and is %s', (mode) => {
  it.each([
    ['kafkajs', 1_500],
    ['platformatic', 2_000],
  ] as const)(
    'publish() with %s answers within deliveryTimeoutMs (%i ms) with a typed, retriable error',
    async (client, bound) => {
      await using broker = await startUnresponsiveServer(mode);
      const topic = defineTopic({ name: uniqueName('bounds'), events: [Pinged], partitions: 1 });
      const publisher = createPublisher({
        // A short request timeout keeps the wait for the released connections short; the
        // bound under test is the SDK's own option.
        kafka: createKafkaClient({ brokers: [broker.address], requestTimeoutMs: REQUEST_TIMEOUT_MS }),
        registry: { url: testStack().registryUrl },
        topics: [topic],
        deliveryTimeoutMs: bound,
        compatibility: false,
        producer: { client },
      });
      const { error, ms } = await timed(() => publisher.publish(Pinged, { id: '1' }));
      expect(isKbusError(error), String(error)).toBe(true);
      expect((error as KbusError).retriable).toBe(true);
      expect((error as Error).message).toContain(broker.address);
      expect(ms, String(error)).toBeLessThan(bound + SLACK_MS);
      // publishMany and connect() keep the same bound.
      for (const work of [
        () => publisher.publishMany([{ event: Pinged, payload: { id: '2' } }]),
        () => publisher.connect(),
      ]) {
        const again = await timed(work);
        expect(isKbusError(again.error), String(again.error)).toBe(true);
        expect(again.ms).toBeLessThan(bound + SLACK_MS);
      }
      // Closing gives the pending connect up: the client closes its connections.
      const closing = await timed(() => publisher.close());
      expect(closing.ms).toBeLessThan(SLACK_MS * 2);
      await waitFor(() => broker.openConnections === 0, {
        timeoutMs: REQUEST_TIMEOUT_MS + 5_000,
        description: 'the publisher closed its connections',
      });
    },
  );
});
