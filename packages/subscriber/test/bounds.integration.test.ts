import { defineEvent, defineTopic, isKbusError, type KbusError } from '@kbus/core';
import { startUnresponsiveServer, testStack, uniqueName, waitFor } from '@kbus/testkit';
import { createKafkaClient } from '@kbus/transport';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createSubscriber, redrive } from '../src/index.ts';

const Pinged = defineEvent({
  type: 'bounds.pinged',
  version: 1,
  namespace: 'com.acme.bounds',
  schema: z.object({ id: z.string() }),
  aggregateId: (p) => p.id,
});

const SLACK_MS = 1_500;
const REQUEST_TIMEOUT_MS = 5_000;

describe.each(['silent', 'garbage'] as const)('a broker that accepts connections and is %s', (mode) => {
  it.each([2_000, 4_000])('start() rejects within startTimeoutMs (%i ms), naming the broker', async (bound) => {
    await using broker = await startUnresponsiveServer(mode);
    const subscriber = createSubscriber({
      // A short request timeout keeps the wait for the released connections short; the
      // bound under test is the SDK's own option.
      kafka: createKafkaClient({ brokers: [broker.address], requestTimeoutMs: REQUEST_TIMEOUT_MS }),
      registry: { url: testStack().registryUrl },
      groupId: uniqueName('bounds'),
      topics: [defineTopic({ name: uniqueName('bounds'), events: [Pinged] })],
      handlers: { 'bounds.pinged': () => {} },
      startTimeoutMs: bound,
    });
    const started = Date.now();
    const error = await subscriber.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    const ms = Date.now() - started;
    expect(isKbusError(error), String(error)).toBe(true);
    expect((error as KbusError).retriable).toBe(true);
    expect((error as Error).message).toContain(broker.address);
    expect(ms).toBeLessThan(bound + SLACK_MS);
    await subscriber.stop();
    expect(subscriber.health().state).toBe('stopped');
    await waitFor(() => broker.openConnections === 0, {
      timeoutMs: REQUEST_TIMEOUT_MS + 5_000,
      description: 'the subscriber closed its connections',
    });
  });

  it.each([1_500, 3_000])('redrive() rejects within its timeoutMs (%i ms), connecting included', async (bound) => {
    await using broker = await startUnresponsiveServer(mode);
    const started = Date.now();
    const error = await redrive({
      kafka: createKafkaClient({ brokers: [broker.address], requestTimeoutMs: REQUEST_TIMEOUT_MS }),
      deadLetterTopic: uniqueName('bounds.dlt'),
      timeoutMs: bound,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isKbusError(error, 'TIMEOUT'), String(error)).toBe(true);
    expect(Date.now() - started).toBeLessThan(bound + SLACK_MS);
  });
});
