import { defineEvent, defineTopic, isKbusError } from '@kbus/core';
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

describe('publisher options', () => {
  it('accepts each header set', () => {
    for (const headers of ['essential', 'cloudevents', 'none'] as const) {
      expect(() => createPublisher({ ...base, headers })).not.toThrow();
    }
  });

  it('refuses an unknown header set from untyped JavaScript, naming the accepted ones', () => {
    let error: unknown;
    try {
      createPublisher({ ...base, headers: 'all' as never });
    } catch (caught) {
      error = caught;
    }
    expect(isKbusError(error, 'INVALID_CONFIGURATION')).toBe(true);
    expect((error as Error).message).toMatch(/"essential", "cloudevents", "none", not "all"/);
  });
});
