import { defineEvent, defineTopic } from '@kbus/core';
import { formatPath } from '@kbus/core/internal';
import { invalidOptions, unrefusedOptions } from '@kbus/core/options';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createSubscriber, redrive } from '../src/index.ts';
import { subscriberOptionsSchema } from '../src/options.ts';
import { redriveOptionsSchema } from '../src/redrive.ts';

const Opened = defineEvent({
  type: 'options.opened',
  version: 1,
  namespace: 'com.acme.test',
  schema: z.object({ id: z.string() }),
  aggregateId: (p) => p.id,
});
const topic = defineTopic({ name: 'subscriber-options-walk', events: [Opened], partitions: 1 });
const subscriberBase = {
  groupId: 'options-walk',
  brokers: ['127.0.0.1:1'],
  registry: { url: 'http://127.0.0.1:1' },
  topics: [topic],
  handlers: { 'options.opened': () => {} },
};
const redriveBase = { deadLetterTopic: 'options-walk.dlt', brokers: ['127.0.0.1:1'] };

function timersOf(schema: Parameters<typeof invalidOptions>[0]) {
  const samples = invalidOptions(schema);
  const timers = new Set(samples.filter((s) => String(s.path.at(-1)).endsWith('Ms')).map((s) => formatPath(s.path)));
  return { samples, timers };
}

describe('createSubscriber refuses an invalid value of each option', () => {
  it('accepts the base options the walk starts from', () => {
    expect(() => createSubscriber(subscriberBase)).not.toThrow();
  });

  it('with INVALID_CONFIGURATION naming the option path (wrong type, NaN, negative, fractional, huge, unknown key)', async () => {
    expect(await unrefusedOptions(subscriberOptionsSchema, subscriberBase, createSubscriber)).toEqual([]);
  });

  it('bounds every timer below 2^31 ms', () => {
    const { samples, timers } = timersOf(subscriberOptionsSchema);
    expect([...timers]).toEqual(
      expect.arrayContaining([
        'handlerTimeoutMs',
        'session.heartbeatIntervalMs',
        'retry.maxDelayMs',
        'commit.intervalMs',
      ]),
    );
    for (const timer of timers)
      expect(
        samples.some((s) => formatPath(s.path) === timer && s.kind === 'huge'),
        timer,
      ).toBe(true);
    expect(samples.some((s) => formatPath(s.path) === 'handlers.some.name')).toBe(true);
  });
});

describe('redrive refuses an invalid value of each option before connecting', () => {
  it('with INVALID_CONFIGURATION naming the option path', async () => {
    expect(await unrefusedOptions(redriveOptionsSchema, redriveBase, redrive)).toEqual([]);
    const { samples, timers } = timersOf(redriveOptionsSchema);
    expect([...timers]).toEqual(['timeoutMs']);
    expect(samples.some((s) => s.kind === 'huge' && formatPath(s.path) === 'timeoutMs')).toBe(true);
  });
});
