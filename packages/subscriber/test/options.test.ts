import { defineEvent, defineTopic, isKbusError, type KbusError } from '@kbus/core';
import type { KafkaClient } from '@kbus/transport';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { backoff, createSubscriber, redrive } from '../src/index.ts';

const Opened = defineEvent({
  type: 'options.opened',
  version: 1,
  namespace: 'com.acme.test',
  schema: z.object({ id: z.string() }),
  aggregateId: (p) => p.id,
});
const topic = defineTopic({ name: 'subscriber-options-test', events: [Opened], partitions: 1 });
// Nothing connects: options are checked when the subscriber is made.
const base = {
  groupId: 'options-test',
  brokers: ['127.0.0.1:1'],
  registry: { url: 'http://127.0.0.1:1' },
  topics: [topic],
  handlers: { 'options.opened': () => {} },
} as const;

function refusal(options: Record<string, unknown>): KbusError {
  let error: unknown;
  try {
    createSubscriber({ ...base, ...options } as never);
  } catch (caught) {
    error = caught;
  }
  expect(isKbusError(error, 'INVALID_CONFIGURATION'), `no INVALID_CONFIGURATION for ${String(error)}`).toBe(true);
  return error as KbusError;
}

/** What the subscriber resolved or made, read from its private state (nothing else shows it before start). */
const internals = (subscriber: unknown) =>
  subscriber as { kafka: KafkaClient; options: { startFrom: unknown; retry: { attempts: number } } };

describe('subscriber options', () => {
  it('refuses a subscriber without handlers: it would skip and commit everything', () => {
    expect(refusal({ handlers: {} }).message).toMatch(
      /handlers names no event type: give at least one.*options\.opened/,
    );
    expect(refusal({ handlers: undefined }).message).toMatch(/handlers is required/);
  });

  it('refuses a misspelt handlers key, naming the right one', () => {
    const error = refusal({ handlers: undefined, handler: { 'options.opened': () => {} } });
    expect(error.message).toMatch(/^createSubscriber: unknown option 'handler'; did you mean 'handlers'\?/);
  });

  it('refuses NaN retry attempts (they retried forever and blocked the partition)', () => {
    expect(refusal({ retry: { attempts: Number.NaN } }).message).toMatch(
      /retry\.attempts must be a whole number from 1/,
    );
    expect(refusal({ retry: { attempts: 2.5 } }).message).toMatch(/retry\.attempts/);
    expect(refusal({ retry: { jitter: 2 } }).message).toMatch(/retry\.jitter must be a number from 0 to 1/);
    expect(refusal({ retry: { attempt: 3 } }).message).toMatch(
      /unknown option 'retry\.attempt'; did you mean 'retry\.attempts'\?/,
    );
  });

  it('refuses a negative fetch size at creation (it crashed the consumer after start() resolved)', () => {
    expect(refusal({ fetch: { maxBytesPerPartition: -1 } }).message).toMatch(
      /fetch\.maxBytesPerPartition must be a whole number from 1/,
    );
    expect(refusal({ fetch: { maxWaitTimeMs: -5 } }).message).toMatch(/fetch\.maxWaitTimeMs/);
  });

  it('refuses fractional concurrency with INVALID_CONFIGURATION, not a raw RangeError', () => {
    expect(refusal({ concurrency: { partitions: 1.5 } }).message).toMatch(
      /concurrency\.partitions must be a whole number/,
    );
    expect(refusal({ concurrency: { perKey: 0.5 } }).message).toMatch(/concurrency\.perKey/);
  });

  it('refuses timers Node cannot run (>= 2^31 ms fire after 1 ms)', () => {
    for (const options of [
      { handlerTimeoutMs: 2 ** 31 },
      { shutdownTimeoutMs: 2 ** 31 },
      { revokeTimeoutMs: 2 ** 32 },
      { startTimeoutMs: 1e10 },
      { commit: { intervalMs: 2 ** 31 } },
      { retry: { maxDelayMs: 2 ** 31 } },
      { session: { heartbeatIntervalMs: 2 ** 31, sessionTimeoutMs: 2 ** 31 } },
    ]) {
      expect(refusal(options).message, JSON.stringify(options)).toMatch(
        /must be a whole number of milliseconds from \d to 2147483647/,
      );
    }
  });

  it('normalises the case of startFrom (a "Latest" group started at the earliest offset)', () => {
    expect(internals(createSubscriber({ ...base, startFrom: 'Latest' as never })).options.startFrom).toBe('latest');
    expect(refusal({ startFrom: 'newest' }).message).toMatch(/startFrom must be "earliest", "latest" or \{ timestamp/);
    expect(refusal({ startFrom: { timestamp: Number.NaN } }).message).toMatch(
      /startFrom\.timestamp must be a Date or epoch/,
    );
  });

  it('passes ssl and sasl to the client it makes', () => {
    const sasl = { mechanism: 'plain', username: 'svc', password: 'pw' } as const;
    expect(internals(createSubscriber({ ...base, ssl: true, sasl })).kafka.options).toMatchObject({ ssl: true, sasl });
  });

  it('keeps unlimited retries when there is no dead-letter topic', () => {
    expect(internals(createSubscriber({ ...base, deadLetter: false })).options.retry.attempts).toBe(
      Number.POSITIVE_INFINITY,
    );
  });
});

describe('redrive options', () => {
  it('rejects bad options with INVALID_CONFIGURATION before connecting', async () => {
    for (const [options, message] of [
      [{ deadLetterTopic: '', brokers: ['127.0.0.1:1'] }, /deadLetterTopic is required|deadLetterTopic must be/],
      [{ deadLetterTopic: 'x.dlt', brokers: ['127.0.0.1:1'], timeoutMs: 2 ** 31 }, /timeoutMs must be/],
      [{ deadLetterTopic: 'x.dlt', brokers: [''] }, /brokers\[0\] must be a broker address host:port/],
      [{ deadLetterTopic: 'x.dlt', brokers: ['127.0.0.1:1'], filter: true }, /filter must be a function/],
      [{ deadLetterTopic: 'x.dlt', brokers: ['127.0.0.1:1'], timeout: 5 }, /did you mean 'timeoutMs'/],
      [{ deadLetterTopic: 'x.dlt' }, /pass brokers/],
    ] as const) {
      const error = await redrive(options as never).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(isKbusError(error, 'INVALID_CONFIGURATION'), `${JSON.stringify(options)}: ${String(error)}`).toBe(true);
      expect((error as Error).message).toMatch(message);
    }
  }, 10_000);
});

describe('retry back-off', () => {
  it('never computes a delay past the timer limit, jitter included', () => {
    const policy = { attempts: 10, initialDelayMs: 1_000, multiplier: 10, maxDelayMs: 2 ** 31 - 1, jitter: 1 };
    expect(backoff(policy, 9, () => 1)).toBe(2 ** 31 - 1);
    expect(backoff(policy, 9, () => 0.5)).toBe(2 ** 31 - 1);
  });
});
