import { defineEvent, defineTopic } from '@kbus/core';
import { formatPath } from '@kbus/core/internal';
import { invalidOptions, unrefusedOptions } from '@kbus/core/options';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createOutbox, createRelay } from '../src/index.ts';
import { outboxOptionsSchema, relayOptionsSchema } from '../src/options.ts';

const Opened = defineEvent({
  type: 'options.opened',
  version: 1,
  namespace: 'com.acme.test',
  schema: z.object({ id: z.string() }),
  aggregateId: (p) => p.id,
});
const topic = defineTopic({ name: 'outbox-options-walk', events: [Opened], partitions: 1 });
const outboxBase = { topics: [topic], source: 'options-walk', registry: { url: 'http://127.0.0.1:1' } };
const relayBase = { connectionString: 'postgres://postgres@127.0.0.1:1/none', brokers: ['127.0.0.1:1'] };

describe('createOutbox and createRelay refuse an invalid value of each option', () => {
  it('accept the base options the walk starts from', () => {
    expect(() => createOutbox(outboxBase)).not.toThrow();
    expect(() => createRelay(relayBase)).not.toThrow();
  });

  it('with INVALID_CONFIGURATION naming the option path (wrong type, NaN, negative, fractional, huge, unknown key)', async () => {
    expect(await unrefusedOptions(outboxOptionsSchema, outboxBase, createOutbox)).toEqual([]);
    expect(await unrefusedOptions(relayOptionsSchema, relayBase, createRelay)).toEqual([]);
  });

  it('bounds every relay timer below 2^31 ms (retention is an age, not a timer)', () => {
    const samples = invalidOptions(relayOptionsSchema);
    const timers = new Set(
      samples
        .filter((s) => String(s.path.at(-1)).endsWith('Ms') && s.path.at(-1) !== 'retentionMs')
        .map((s) => formatPath(s.path)),
    );
    expect([...timers]).toEqual(
      expect.arrayContaining(['pollIntervalMs', 'cleanupIntervalMs', 'producer.ackTimeoutMs']),
    );
    for (const timer of timers)
      expect(
        samples.some((s) => formatPath(s.path) === timer && s.kind === 'huge'),
        timer,
      ).toBe(true);
  });
});
