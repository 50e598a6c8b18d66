import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { encodeInto, fastTap } from '../src/serde/tap.ts';

const type = avro.Type.forSchema({
  type: 'record',
  name: 'Sample',
  fields: [
    { name: 'text', type: 'string' },
    { name: 'maybe', type: ['null', 'string'] },
    { name: 'list', type: { type: 'array', items: 'string' } },
    { name: 'map', type: { type: 'map', values: 'string' } },
    { name: 'n', type: 'long' },
  ],
});

const strings = [
  '',
  'a',
  'x'.repeat(63),
  'x'.repeat(64),
  'x'.repeat(65),
  `${'x'.repeat(63)}é`,
  'é',
  'Ünïcödé',
  '😀',
  'a😀b',
  '\uD800',
  'lone \uDC00 low',
  '\u007f\u0080\u07ff\u0800\uffff',
  'd6b9a2c4-6a8e-4f1f-9c55-0b3c7d1e2f3a',
  'user.account.created',
];

const encodeWithTap = (value: unknown, size = 4096) => {
  const buf = Buffer.alloc(size);
  const end = encodeInto(type, value, buf, 5);
  return end < 0 ? end : buf.subarray(5, end);
};

describe('encodeInto (reused tap, short-ASCII string path)', () => {
  it('is in use: the avsc internals it relies on are there', () => {
    expect(fastTap).toBe(true);
  });

  it("writes exactly avsc's bytes for ASCII, multi-byte, surrogate and long strings", () => {
    for (const text of strings) {
      const value = { text, maybe: text, list: [text, 'b', text], map: { [text]: text }, n: text.length * 1_000_003 };
      expect(encodeWithTap(value), JSON.stringify(text)).toEqual(type.toBuffer(value));
    }
  });

  it("reports missing room as avsc's encode does, and fails on invalid values as avsc does", () => {
    const value = { text: 'x'.repeat(60), maybe: null, list: ['a'.repeat(40)], map: {}, n: 1 };
    const small = Buffer.alloc(30);
    expect(encodeInto(type, value, small, 5)).toBe(type.encode(value, Buffer.alloc(30), 5));
    expect(encodeInto(type, value, small, 5)).toBeLessThan(0);
    expect(() => encodeInto(type, { ...value, text: 42 }, Buffer.alloc(100), 0)).toThrow(/invalid "string"/);
    // The tap is reusable after a failure.
    expect(encodeWithTap(value)).toEqual(type.toBuffer(value));
  });
});
