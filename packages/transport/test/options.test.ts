import { isKbusError, type KbusError } from '@kbus/core';
import { describe, expect, it } from 'vitest';
import { createKafkaClient } from '../src/index.ts';

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

const client = (options: Record<string, unknown>) => () =>
  createKafkaClient({ brokers: ['127.0.0.1:1'], ...options } as never);

describe('createKafkaClient options', () => {
  it('refuses broker addresses that are not host:port, naming the expected form', () => {
    expect(refusal(client({ brokers: [''] })).message).toMatch(
      /createKafkaClient: brokers\[0\] must be a broker address host:port, e.g. "localhost:9092", not ""/,
    );
    expect(refusal(client({ brokers: 'localhost:9092' })).message).toMatch(/brokers must be a non-empty list/);
  });

  it('refuses timers Node cannot run and unknown keys', () => {
    expect(refusal(client({ connectionTimeoutMs: 2 ** 31 })).message).toMatch(
      /connectionTimeoutMs must be a whole number of milliseconds/,
    );
    expect(refusal(client({ requestTimeoutMs: Number.NaN })).message).toMatch(/requestTimeoutMs/);
    expect(refusal(client({ requestTimeout: 5 })).message).toMatch(/did you mean 'requestTimeoutMs'\?/);
  });

  it('normalises the case of names and refuses unknown ones', () => {
    const made = createKafkaClient({
      brokers: ['127.0.0.1:1'],
      sasl: { mechanism: 'SCRAM-SHA-512' as never, username: 'u', password: 'p' },
      logLevel: 'WARN' as never,
    });
    expect(made.options).toMatchObject({ sasl: { mechanism: 'scram-sha-512' }, logLevel: 'warn' });
    expect(refusal(client({ logLevel: 'verbose' })).message).toMatch(/logLevel must be one of "nothing", "error"/);
  });

  it('checks producer options when a producer is made', () => {
    const made = createKafkaClient({ brokers: ['127.0.0.1:1'] });
    expect(refusal(() => made.producer({ retries: Number.NaN })).message).toMatch(/producer options: retries must be/);
    expect(refusal(() => made.producer({ ackTimeoutMs: 2 ** 31 })).message).toMatch(/ackTimeoutMs/);
    expect(refusal(() => made.producer({ acks: 2 as never, idempotent: false })).message).toMatch(/acks must be -1/);
    expect(refusal(() => made.producer({ idempotence: true } as never)).message).toMatch(/did you mean 'idempotent'\?/);
  });

  it('checks consumer options when a consumer is made', () => {
    const made = createKafkaClient({ brokers: ['127.0.0.1:1'] });
    expect(refusal(() => made.consumer({ groupId: 'g', maxBytesPerPartition: -1 })).message).toMatch(
      /consumer options: maxBytesPerPartition must be a whole number from 1/,
    );
    expect(refusal(() => made.consumer({ groupId: 'g', sessionTimeoutMs: 2 ** 31 })).message).toMatch(
      /sessionTimeoutMs/,
    );
  });
});
