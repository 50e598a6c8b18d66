import { defineEvent, defineTopic, isKbusError, type KbusError } from '@kbus/core';
import type { KafkaClient } from '@kbus/transport';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createOutbox, createRelay } from '../src/index.ts';

const Opened = defineEvent({
  type: 'options.opened',
  version: 1,
  namespace: 'com.acme.test',
  schema: z.object({ id: z.string() }),
  aggregateId: (p) => p.id,
});
const topic = defineTopic({ name: 'outbox-options-test', events: [Opened], partitions: 1 });
// Neither connects when made: options are checked at creation.
const outboxBase = { topics: [topic], source: 'options-test', registry: { url: 'http://127.0.0.1:1' } } as const;
const relayBase = { connectionString: 'postgres://postgres@127.0.0.1:1/none', brokers: ['127.0.0.1:1'] } as const;

function refusal(create: () => unknown): KbusError {
  let error: unknown;
  try {
    create();
  } catch (caught) {
    error = caught;
  }
  expect(isKbusError(error, 'INVALID_CONFIGURATION'), `no INVALID_CONFIGURATION for ${String(error)}`).toBe(true);
  return error as KbusError;
}

describe('outbox options', () => {
  it('refuses unknown keys and bad values, naming the option', () => {
    const outbox = (options: Record<string, unknown>) => () => createOutbox({ ...outboxBase, ...options } as never);
    expect(refusal(outbox({ sourc: 'x' })).message).toMatch(/unknown option 'sourc'; did you mean 'source'\?/);
    expect(refusal(outbox({ subjectNaming: 'records' })).message).toMatch(
      /subjectNaming must be "topic-record", "record"/,
    );
    expect(refusal(outbox({ registry: { url: 'localhost:8081' } })).message).toMatch(
      /registry\.url must be an http\(s\) URL/,
    );
    expect(refusal(outbox({ registry: { url: 'http://r', timeoutMs: 2 ** 31 } })).message).toMatch(
      /registry\.timeoutMs/,
    );
    expect(refusal(outbox({ source: '' })).message).toMatch(/source must be the name of the producing service/);
    expect(refusal(() => createOutbox(undefined as never)).message).toMatch(/createOutbox: pass an options object/);
  });

  it('does not show credentials of a registry URL it refuses', () => {
    const error = refusal(() =>
      createOutbox({ ...outboxBase, registry: { url: 'ftp://user:s3cret@registry:8081' } } as never),
    );
    expect(error.message).toMatch(/registry\.url must be/);
    expect(error.message).not.toContain('s3cret');
  });
});

describe('relay options', () => {
  const relay = (options: Record<string, unknown>) => () => createRelay({ ...relayBase, ...options } as never);

  it('refuses timers Node cannot run (>= 2^31 ms fire after 1 ms)', () => {
    expect(refusal(relay({ pollIntervalMs: 2 ** 31 })).message).toMatch(
      /pollIntervalMs must be a whole number of milliseconds/,
    );
    expect(refusal(relay({ cleanupIntervalMs: 2 ** 31 })).message).toMatch(/cleanupIntervalMs/);
    // Retention is an age compared in SQL, not a timer: a month is fine.
    expect(() => relay({ retentionMs: 30 * 24 * 3_600_000 })()).not.toThrow();
  });

  it('refuses NaN, negative and fractional numbers', () => {
    expect(refusal(relay({ batchSize: Number.NaN })).message).toMatch(/batchSize must be a whole number from 1/);
    expect(refusal(relay({ batchSize: 2.5 })).message).toMatch(/batchSize/);
    expect(refusal(relay({ retentionMs: -1 })).message).toMatch(/retentionMs/);
    expect(refusal(relay({ pollIntervalMs: 0 })).message).toMatch(/pollIntervalMs/);
  });

  it('refuses unknown keys and a missing connection, naming what to pass', () => {
    expect(refusal(relay({ pollInterval: 50 })).message).toMatch(/did you mean 'pollIntervalMs'\?/);
    expect(refusal(relay({ connectionString: undefined })).message).toMatch(
      /connectionString is required: pass a PostgreSQL connection string/,
    );
    expect(refusal(relay({ brokers: undefined })).message).toMatch(/pass brokers/);
  });

  it('does not echo the connection string', () => {
    const error = refusal(relay({ connectionString: 'postgres://u:pw-secret@db/x', batchSize: 0, extra: 1 }));
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain('pw-secret');
  });

  it('passes ssl and sasl to the client it makes', () => {
    const sasl = { mechanism: 'scram-sha-256', username: 'relay', password: 'pw' } as const;
    const made = createRelay({ ...relayBase, ssl: { servername: 'kafka' }, sasl }) as unknown as { kafka: KafkaClient };
    expect(made.kafka.options).toMatchObject({ ssl: { servername: 'kafka' }, sasl });
  });
});
