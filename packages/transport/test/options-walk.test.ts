import { formatPath } from '@kbus/core/internal';
import { invalidOptions, unrefusedOptions } from '@kbus/core/options';
import { describe, expect, it } from 'vitest';
import { createKafkaClient } from '../src/index.ts';
import { clientOptionsSchema, consumerOptionsSchema, producerOptionsSchema } from '../src/options.ts';

const clientBase = { brokers: ['127.0.0.1:1'] };

describe('createKafkaClient, producer() and consumer() refuse an invalid value of each option', () => {
  it('with INVALID_CONFIGURATION naming the option path (wrong type, NaN, negative, fractional, huge, unknown key)', async () => {
    expect(await unrefusedOptions(clientOptionsSchema, clientBase, createKafkaClient)).toEqual([]);
    const client = createKafkaClient(clientBase);
    expect(await unrefusedOptions(producerOptionsSchema, {}, (options) => client.producer(options))).toEqual([]);
    expect(
      await unrefusedOptions(consumerOptionsSchema, { groupId: 'walk' }, (options) => client.consumer(options)),
    ).toEqual([]);
  });

  it('bounds every timer below 2^31 ms', () => {
    for (const schema of [clientOptionsSchema, producerOptionsSchema, consumerOptionsSchema]) {
      const samples = invalidOptions(schema);
      const timers = new Set(
        samples.filter((s) => String(s.path.at(-1)).endsWith('Ms')).map((s) => formatPath(s.path)),
      );
      expect(timers.size).toBeGreaterThan(1);
      for (const timer of timers)
        expect(
          samples.some((s) => formatPath(s.path) === timer && s.kind === 'huge'),
          timer,
        ).toBe(true);
    }
  });
});
