import { defineEvent, defineTopic } from '@kbus/core';
import { formatPath } from '@kbus/core/internal';
import { invalidOptions, unrefusedOptions } from '@kbus/core/options';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createPublisher } from '../src/index.ts';
import { publisherOptionsSchema } from '../src/options.ts';

const Opened = defineEvent({
  type: 'options.opened',
  version: 1,
  namespace: 'com.acme.test',
  schema: z.object({ id: z.string() }),
  aggregateId: (p) => p.id,
});
const topic = defineTopic({ name: 'options-walk', events: [Opened], partitions: 1 });
const base = { brokers: ['127.0.0.1:1'], registry: { url: 'http://127.0.0.1:1' }, topics: [topic] };

describe('createPublisher refuses an invalid value of each option', () => {
  it('accepts the base options the walk starts from', () => {
    expect(() => createPublisher(base)).not.toThrow();
  });

  it('with INVALID_CONFIGURATION naming the option path (wrong type, NaN, negative, fractional, huge, unknown key)', async () => {
    expect(await unrefusedOptions(publisherOptionsSchema, base, createPublisher)).toEqual([]);
  });

  it('generates every kind of invalid value, and bounds every timer below 2^31 ms', () => {
    const samples = invalidOptions(publisherOptionsSchema);
    expect(new Set(samples.map((s) => s.kind))).toEqual(
      new Set(['wrong type', 'NaN', 'Infinity', 'negative', 'fractional', 'huge', 'empty', 'unknown key']),
    );
    const timers = new Set(samples.filter((s) => String(s.path.at(-1)).endsWith('Ms')).map((s) => formatPath(s.path)));
    expect([...timers]).toEqual(
      expect.arrayContaining(['deliveryTimeoutMs', 'metadataMaxAgeMs', 'batch.lingerMs', 'registry.timeoutMs']),
    );
    for (const timer of timers)
      expect(
        samples.some((s) => formatPath(s.path) === timer && s.kind === 'huge'),
        timer,
      ).toBe(true);
  });
});
