import { defineEvent, defineTopic, isKbusError, type KbusError } from '@kbus/core';
import { createKafkaClient, type KafkaClient } from '@kbus/transport';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createPublisher } from '../src/index.ts';

const Opened = defineEvent({
  type: 'options.opened',
  version: 1,
  namespace: 'com.acme.test',
  schema: z.object({ id: z.string() }),
  aggregateId: (p) => p.id,
});
const topic = defineTopic({ name: 'options-test', events: [Opened], partitions: 1 });
// Nothing connects: options are checked when the publisher is made.
const base = { brokers: ['127.0.0.1:1'], registry: { url: 'http://127.0.0.1:1' }, topics: [topic] } as const;

/** The error creating a publisher with these options throws; it must be INVALID_CONFIGURATION. */
function refusal(options: Record<string, unknown>): KbusError {
  let error: unknown;
  try {
    createPublisher({ ...base, ...options } as never);
  } catch (caught) {
    error = caught;
  }
  expect(isKbusError(error, 'INVALID_CONFIGURATION'), `no INVALID_CONFIGURATION for ${String(error)}`).toBe(true);
  return error as KbusError;
}

/** What the publisher resolved or made, read from its private state (nothing else shows it before connecting). */
const internals = (publisher: unknown) =>
  publisher as { kafka: KafkaClient; options: { compatibility: unknown; headers: unknown } };

describe('publisher options', () => {
  it('accepts each header set', () => {
    for (const headers of ['essential', 'cloudevents', 'none'] as const) {
      expect(() => createPublisher({ ...base, headers })).not.toThrow();
    }
  });

  it('refuses an unknown header set from untyped JavaScript, naming the accepted ones', () => {
    expect(refusal({ headers: 'all' }).message).toMatch(/"essential", "cloudevents", "none", not "all"/);
  });

  it('refuses timers Node cannot run (>= 2^31 ms fire after 1 ms), naming the option and the bound', () => {
    for (const [option, value] of [
      ['deliveryTimeoutMs', 2 ** 31],
      ['metadataMaxAgeMs', 2 ** 31],
      ['metadataMaxAgeMs', 1e12],
    ] as const) {
      expect(refusal({ [option]: value }).message).toMatch(new RegExp(`${option} must be .*2147483647.*not ${value}`));
    }
    expect(refusal({ batch: { lingerMs: 2 ** 31 } }).message).toMatch(/batch\.lingerMs must be/);
  });

  it('refuses unknown keys, naming the closest known one', () => {
    expect(refusal({ deliveryTimeout: 5_000 }).message).toMatch(
      /unknown option 'deliveryTimeout'; did you mean 'deliveryTimeoutMs'\?/,
    );
    expect(refusal({ batch: { linger: 5 } }).message).toMatch(
      /unknown option 'batch.linger'; did you mean 'batch.lingerMs'\?/,
    );
    expect(refusal({ somethingElse: true }).message).toMatch(
      /unknown option 'somethingElse'; the options here are 'topics'/,
    );
  });

  it('passes ssl and sasl to the client it makes (they were ignored: plain text)', () => {
    const sasl = { mechanism: 'scram-sha-512', username: 'svc', password: 'pw' } as const;
    const publisher = createPublisher({ ...base, ssl: true, sasl });
    expect(internals(publisher).kafka.options).toMatchObject({ ssl: true, sasl });
    const tls = { ca: 'CA PEM', servername: 'kafka.internal' };
    expect(internals(createPublisher({ ...base, ssl: tls })).kafka.options.ssl).toEqual(tls);
  });

  it('refuses bad sasl settings without echoing the password', () => {
    const error = refusal({ sasl: { mechanism: 'kerberos', username: 'svc', password: 'hunter2-secret' } });
    expect(error.message).toMatch(/sasl\.mechanism must be one of "plain", "scram-sha-256", "scram-sha-512"/);
    expect(refusal({ sasl: { mechanism: 'plain', username: 'svc', password: 42 } }).message).toMatch(
      /sasl\.password must be a string, not a number/,
    );
    expect(JSON.stringify(error)).not.toContain('hunter2');
  });

  it('refuses ssl or sasl beside a shared kafka client, whose own settings apply', () => {
    const kafka = createKafkaClient({ brokers: ['127.0.0.1:1'] });
    expect(refusal({ brokers: undefined, kafka, ssl: true }).message).toMatch(
      /ssl and sasl are settings of the shared kafka client/,
    );
  });

  it('refuses broker addresses that are not host:port at creation, not at first publish', () => {
    for (const brokers of [[''], ['localhost'], ['localhost:0'], ['localhost:99999'], ['kafka:9092', ' '], []]) {
      expect(refusal({ brokers }).message, JSON.stringify(brokers)).toMatch(/brokers(\[\d\])? must be .*host:port/);
    }
    expect(() =>
      createPublisher({ ...base, brokers: ['kafka-1.internal:9092', '10.0.0.1:9093', '[::1]:9094'] }),
    ).not.toThrow();
  });

  it('takes compatibility levels in any case as the level, not as "no check"', () => {
    expect(internals(createPublisher({ ...base, compatibility: 'backward' as never })).options.compatibility).toBe(
      'BACKWARD',
    );
    expect(
      internals(createPublisher({ ...base, compatibility: { 'options.opened': 'full_transitive' as never } })).options
        .compatibility,
    ).toEqual({ 'options.opened': 'FULL_TRANSITIVE' });
    expect(refusal({ compatibility: 'backwards' }).message).toMatch(
      /compatibility must be .*did you mean "BACKWARD"\?/,
    );
    expect(refusal({ compatibility: true }).message).toMatch(/compatibility must be false, a level/);
  });

  it('refuses NaN, negative and fractional sizes', () => {
    expect(refusal({ batch: { maxRecords: Number.NaN } }).message).toMatch(/batch\.maxRecords must be a whole number/);
    expect(refusal({ buffer: { maxRecords: 0 } }).message).toMatch(/buffer\.maxRecords must be a whole number from 1/);
    expect(refusal({ batch: { maxBytes: 1.5 } }).message).toMatch(/batch\.maxBytes/);
    expect(refusal({ producer: { retries: -1 } }).message).toMatch(/producer\.retries/);
  });

  it('refuses anything but an options object with a KbusError', () => {
    for (const options of [undefined, null, 42, 'brokers', []]) {
      let error: unknown;
      try {
        createPublisher(options as never);
      } catch (caught) {
        error = caught;
      }
      expect(isKbusError(error, 'INVALID_CONFIGURATION'), String(options)).toBe(true);
    }
  });

  it('keeps the defaults and the 0 meanings of before', () => {
    const { options } = internals(createPublisher({ ...base, deliveryTimeoutMs: 0, batch: { maxRecords: 0 } })) as {
      options: Record<string, unknown>;
    };
    expect(options).toMatchObject({ deliveryTimeoutMs: 1, maxBatchRecords: 1, metadataMaxAgeMs: 300_000, lingerMs: 0 });
  });
});
