import { defineEvent, defineTopic, isKbusError, type ValidationError } from '@kbus/core';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createPublisher } from '../src/index.ts';

const Renamed = defineEvent({
  type: 'unicode.renamed',
  version: 1,
  namespace: 'com.acme.test',
  schema: z.object({ id: z.string(), name: z.string(), aliases: z.array(z.string()) }),
  aggregateId: (p) => p.id,
});
const topic = defineTopic({ name: 'unicode-test', events: [Renamed], partitions: 1 });

// Nothing listens at these addresses: a publish that got as far as I/O would fail otherwise.
const publisher = () =>
  createPublisher({ brokers: ['127.0.0.1:1'], registry: { url: 'http://127.0.0.1:1', retries: 0 }, topics: [topic] });

describe('the publisher refuses lone surrogates before any I/O', () => {
  it.each(['\uD800', 'x\uDC00', 'tail\uDBFF'])('%j in a payload string, an alias, a header or the key', async (bad) => {
    const cases: Array<[() => Promise<unknown>, string]> = [
      [() => publisher().publish(Renamed, { id: '1', name: bad, aliases: [] }), 'payload.name'],
      [() => publisher().publish(Renamed, { id: '1', name: 'n', aliases: ['a', bad] }), 'payload.aliases.1'],
      [() => publisher().publish(Renamed, { id: bad, name: 'n', aliases: [] }), 'aggregateId'],
      [() => publisher().publish(Renamed, { id: '1', name: 'n', aliases: [] }, { headers: { h: bad } }), 'headers.h'],
      [
        () => publisher().publishMany([{ event: Renamed, payload: { id: '1', name: bad, aliases: [] } }]),
        'payload.name',
      ],
    ];
    for (const [work, path] of cases) {
      const error = await work().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isKbusError(error, 'VALIDATION_FAILED'), String(error)).toBe(true);
      expect((error as ValidationError).issues.map((i) => i.path.join('.'))).toContain(path);
    }
  });
});
