import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createEnvelope, defineEvent, isKbusError, type ValidationError } from '../src/index.ts';

const Profiled = defineEvent({
  type: 'profile.updated',
  version: 1,
  namespace: 'com.acme.unicode',
  schema: z.object({
    id: z.string(),
    name: z.string(),
    nickname: z.string().optional(),
    tags: z.array(z.string()),
    labels: z.record(z.string(), z.string()),
    address: z.object({ city: z.string() }),
    method: z.discriminatedUnion('type', [
      z.object({ type: z.literal('card'), holder: z.string() }),
      z.object({ type: z.literal('iban'), iban: z.string() }),
    ]),
  }),
  aggregateId: (p) => p.id,
});

const valid: z.input<typeof Profiled.schema> = {
  id: 'p-1',
  name: 'Zoë 😀',
  tags: ['a'],
  labels: { k: 'v' },
  address: { city: 'Zürich' },
  method: { type: 'card', holder: 'Ann' },
};

const LONE = ['\uD800', '\uDBFF', '\uDC00', '\uDFFF', 'a\uD83Dz', 'end\uD83D', '\uDE00start'];

function issuePaths(work: () => unknown): string[] {
  try {
    work();
  } catch (error) {
    expect(isKbusError(error, 'VALIDATION_FAILED'), String(error)).toBe(true);
    return (error as ValidationError).issues.map((i) => i.path.join('.'));
  }
  throw new Error('expected VALIDATION_FAILED');
}

describe('lone surrogates are refused wherever the envelope encodes a string', () => {
  it.each(LONE)('in payload strings, nested or not, and in record keys (%j)', (bad) => {
    const cases: Array<[unknown, string]> = [
      [{ ...valid, name: bad }, 'payload.name'],
      [{ ...valid, nickname: bad }, 'payload.nickname'],
      [{ ...valid, tags: ['ok', bad] }, 'payload.tags.1'],
      [{ ...valid, labels: { k: bad } }, 'payload.labels.k'],
      [{ ...valid, labels: { [bad]: 'v' } }, `payload.labels.${bad}`],
      [{ ...valid, address: { city: bad } }, 'payload.address.city'],
      [{ ...valid, method: { type: 'iban', iban: bad } }, 'payload.method.iban'],
      [{ ...valid, id: bad }, 'aggregateId'],
    ];
    for (const [payload, path] of cases) {
      expect(issuePaths(() => createEnvelope(Profiled, payload as never, { source: 's' }))).toContain(path);
    }
  });

  it.each(LONE)('in envelope metadata (%j)', (bad) => {
    const metadata: Array<[Record<string, string>, string]> = [
      [{ source: bad }, 'source'],
      [{ source: 's', id: bad }, 'id'],
      [{ source: 's', correlationId: bad }, 'correlationId'],
      [{ source: 's', causationId: bad }, 'causationId'],
      [{ source: 's', aggregateId: bad }, 'aggregateId'],
    ];
    for (const [options, path] of metadata) {
      expect(issuePaths(() => createEnvelope(Profiled, valid, options as never))).toContain(path);
    }
  });

  it('accepts well-formed text, astral characters included', () => {
    expect(createEnvelope(Profiled, { ...valid, name: '😀 \u{10FFFF} 日本' }, { source: 's' }).payload.name).toBe(
      '😀 \u{10FFFF} 日本',
    );
  });
});
