import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { decimal, isKbusError, zodToAvro } from '../src/index.ts';
import { avroType, stableStringify } from '../src/internal.ts';

const NS = 'test.ns';
const derive = (shape: z.ZodRawShape) => zodToAvro(z.object(shape), { namespace: NS, name: 'Thing' });
const fieldsOf = (shape: z.ZodRawShape) => Object.fromEntries(derive(shape).schema.fields.map((f) => [f.name, f]));

/** Encode the zod output with the derived schema and decode it back to zod input. */
function roundTrip<T extends z.ZodObject>(schema: T, value: z.input<T>): z.output<T> {
  const mapping = zodToAvro(schema, { namespace: NS, name: 'Thing' });
  const type = avroType(mapping.schema);
  const output = schema.parse(value);
  const encoded = type.toBuffer(mapping.toAvro ? mapping.toAvro(output) : output);
  const decoded = type.fromBuffer(encoded);
  return schema.parse(mapping.fromAvro ? mapping.fromAvro(decoded) : decoded);
}

function expectUnsupported(shape: z.ZodRawShape, path: string, hint: RegExp) {
  try {
    derive(shape);
  } catch (error) {
    expect(isKbusError(error, 'UNSUPPORTED_SCHEMA')).toBe(true);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(hint);
    return;
  }
  throw new Error(`expected UNSUPPORTED_SCHEMA for ${path}`);
}

describe('zod → Avro mapping', () => {
  it('maps primitives: strings, integers vs doubles, booleans', () => {
    const f = fieldsOf({
      s: z.string(),
      email: z.email(),
      i: z.int(),
      i32: z.int32(),
      n: z.number(),
      ni: z.number().int(),
      b: z.boolean(),
    });
    expect(f.s?.type).toBe('string');
    expect(f.email?.type).toBe('string');
    expect(f.i?.type).toBe('long');
    expect(f.i32?.type).toBe('int');
    expect(f.n?.type).toBe('double');
    expect(f.ni?.type).toBe('long');
    expect(f.b?.type).toBe('boolean');
  });

  it('maps enums to named Avro enums and literals to their base type', () => {
    const f = fieldsOf({
      status: z.enum(['ACTIVE', 'LOCKED']),
      kind: z.literal('user'),
      one: z.literal(1),
      yes: z.literal(true),
    });
    expect(f.status?.type).toEqual({ type: 'enum', name: 'ThingStatus', symbols: ['ACTIVE', 'LOCKED'] });
    expect(f.kind?.type).toBe('string');
    expect(f.one?.type).toBe('long');
    expect(f.yes?.type).toBe('boolean');
  });

  it('maps optional and nullable fields to a union with null, default null', () => {
    const f = fieldsOf({ o: z.string().optional(), n: z.string().nullable(), on: z.string().nullish() });
    for (const field of [f.o, f.n, f.on]) {
      expect(field?.type).toEqual(['null', 'string']);
      expect(field?.default).toBeNull();
    }
  });

  it('keeps the difference between optional (absent) and nullable (null) across a round trip', () => {
    const schema = z.object({ o: z.string().optional(), n: z.string().nullable() });
    expect(roundTrip(schema, { n: null })).toEqual({ n: null });
    expect('o' in roundTrip(schema, { n: null }) && roundTrip(schema, { n: null }).o !== undefined).toBe(false);
    expect(roundTrip(schema, { o: 'x', n: 'y' })).toEqual({ o: 'x', n: 'y' });
  });

  it('maps defaults to Avro defaults, moving null last when the default is not null', () => {
    const f = fieldsOf({ d: z.string().default('x'), c: z.int().default(3), nd: z.string().nullable().default('a') });
    expect(f.d).toMatchObject({ type: 'string', default: 'x' });
    expect(f.c).toMatchObject({ type: 'long', default: 3 });
    expect(f.nd).toMatchObject({ type: ['string', 'null'], default: 'a' });
  });

  it('maps arrays, records (maps) and JS Maps', () => {
    const f = fieldsOf({
      tags: z.array(z.string()),
      scores: z.record(z.string(), z.number()),
      m: z.map(z.string(), z.int()),
    });
    expect(f.tags?.type).toEqual({ type: 'array', items: 'string' });
    expect(f.scores?.type).toEqual({ type: 'map', values: 'double' });
    expect(f.m?.type).toEqual({ type: 'map', values: 'long' });
    const schema = z.object({ m: z.map(z.string(), z.int()), opt: z.array(z.string().optional()) });
    const back = roundTrip(schema, { m: new Map([['a', 1]]), opt: ['x', undefined] });
    expect(back.m).toEqual(new Map([['a', 1]]));
    expect(back.opt).toEqual(['x', undefined]);
  });

  it('maps nested objects to named records in the event namespace', () => {
    const f = fieldsOf({ address: z.object({ city: z.string(), geo: z.object({ lat: z.number() }) }) });
    expect(f.address?.type).toEqual({
      type: 'record',
      name: 'ThingAddress',
      fields: [
        { name: 'city', type: 'string' },
        { name: 'geo', type: { type: 'record', name: 'ThingAddressGeo', fields: [{ name: 'lat', type: 'double' }] } },
      ],
    });
  });

  it('maps dates to timestamp-millis and uuids to the uuid logical type', () => {
    const f = fieldsOf({ at: z.date(), id: z.uuid(), id2: z.string().uuid() });
    expect(f.at?.type).toEqual({ type: 'long', logicalType: 'timestamp-millis' });
    expect(f.id?.type).toEqual({ type: 'string', logicalType: 'uuid' });
    expect(f.id2?.type).toEqual({ type: 'string', logicalType: 'uuid' });
    const at = new Date('2026-11-26T10:00:00.123Z');
    expect(roundTrip(z.object({ at: z.date() }), { at })).toEqual({ at });
  });

  it('maps bigint to a 64-bit long that stays exact beyond 2^53', () => {
    expect(fieldsOf({ n: z.bigint() }).n?.type).toEqual({ type: 'long', logicalType: 'big-integer' });
    for (const n of [2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n), 0n]) {
      expect(roundTrip(z.object({ n: z.bigint() }), { n })).toEqual({ n });
    }
  });

  it('maps decimal() to bytes with the decimal logical type, exactly', () => {
    expect(fieldsOf({ price: decimal({ precision: 12, scale: 2 }) }).price?.type).toEqual({
      type: 'bytes',
      logicalType: 'decimal',
      precision: 12,
      scale: 2,
    });
    const schema = z.object({ price: decimal({ precision: 20, scale: 2 }) });
    for (const price of [
      '0.00',
      '12.30',
      '-0.01',
      '-128.00',
      '127.99',
      '99999999999999999.99',
      '-99999999999999999.99',
    ]) {
      expect(roundTrip(schema, { price })).toEqual({ price: price });
    }
    expect(roundTrip(schema, { price: '5' })).toEqual({ price: '5.00' });
    expect(schema.safeParse({ price: '1.234' }).success).toBe(false);
  });

  it('maps discriminated unions to a union of named records', () => {
    const schema = z.object({
      method: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('card'), last4: z.string() }),
        z.object({ kind: z.literal('bank-transfer'), iban: z.string() }),
      ]),
    });
    const field = zodToAvro(schema, { namespace: NS, name: 'Thing' }).schema.fields[0];
    expect(field?.type).toEqual([
      {
        type: 'record',
        name: 'ThingMethodCard',
        fields: [
          { name: 'kind', type: 'string' },
          { name: 'last4', type: 'string' },
        ],
      },
      {
        type: 'record',
        name: 'ThingMethodBankTransfer',
        fields: [
          { name: 'kind', type: 'string' },
          { name: 'iban', type: 'string' },
        ],
      },
    ]);
    expect(roundTrip(schema, { method: { kind: 'bank-transfer', iban: 'DE00' } })).toEqual({
      method: { kind: 'bank-transfer', iban: 'DE00' },
    });
    expect(roundTrip(schema, { method: { kind: 'card', last4: '4242' } })).toEqual({
      method: { kind: 'card', last4: '4242' },
    });
  });

  it('maps unions of distinct primitives and unions with null', () => {
    const f = fieldsOf({ sn: z.union([z.string(), z.number()]), sOrNull: z.union([z.string(), z.null()]) });
    expect(f.sn?.type).toEqual(['string', 'double']);
    expect(f.sOrNull).toMatchObject({ type: ['null', 'string'], default: null });
  });

  it('turns .describe() into Avro doc on fields and records', () => {
    const mapping = zodToAvro(z.object({ email: z.email().describe('Login e-mail') }).describe('A user'), {
      namespace: NS,
      name: 'Thing',
    });
    expect(mapping.schema.doc).toBe('A user');
    expect(mapping.schema.fields[0]?.doc).toBe('Login e-mail');
  });

  it('is deterministic: the same zod gives byte-identical schema text', () => {
    const make = () =>
      z.object({
        b: z.string().optional(),
        a: z.object({ y: z.int(), x: z.array(z.date()) }),
        e: z.enum(['X', 'Y']),
      });
    const first = stableStringify(zodToAvro(make(), { namespace: NS, name: 'Thing' }).schema);
    const second = stableStringify(zodToAvro(make(), { namespace: NS, name: 'Thing' }).schema);
    expect(first).toBe(second);
    expect(first).toBe(
      '{"name":"Thing","namespace":"test.ns","type":"record","fields":[{"name":"b","type":["null","string"],"default":null},' +
        '{"name":"a","type":{"name":"ThingA","type":"record","fields":[{"name":"y","type":"long"},{"name":"x","type":{"type":"array","items":{"type":"long","logicalType":"timestamp-millis"}}}]}},' +
        '{"name":"e","type":{"name":"ThingE","type":"enum","symbols":["X","Y"]}}]}',
    );
  });
});

describe('zod constructs without a faithful Avro form fail at definition with the path and an alternative', () => {
  it.each([
    ['any', { x: z.any() }, 'x', /Declare the shape/],
    ['unknown', { x: z.unknown() }, 'x', /Declare the shape/],
    ['tuple', { x: z.tuple([z.string(), z.int()]) }, 'x', /named fields/],
    ['intersection', { x: z.intersection(z.object({ a: z.string() }), z.object({ b: z.string() })) }, 'x', /extend/],
    ['lazy', { x: z.lazy(() => z.string()) }, 'x', /Flatten/],
    ['set', { x: z.set(z.string()) }, 'x', /z\.array/],
    ['transform', { x: z.string().transform((s) => s.length) }, 'x', /transform in the handler/],
    ['number-keyed record', { x: z.record(z.number(), z.string()) }, 'x', /map keys are strings/],
    [
      'non-discriminated object union',
      { x: z.union([z.object({ a: z.string() }), z.object({ b: z.string() })]) },
      'x',
      /discriminatedUnion/,
    ],
    ['invalid enum symbol', { x: z.enum(['a-b']) }, 'x', /rename the symbol/],
    ['invalid field name', { 'e-mail': z.string() }, 'e-mail', /rename the field/],
    ['null on its own', { x: z.null() }, 'x', /nullable/],
    ['dynamic default', { x: z.number().default(() => Math.random()) }, 'x', /constant default/],
    ['catchall', { x: z.object({ a: z.string() }).catchall(z.string()) }, 'x', /z\.record/],
    ['nested unsupported', { outer: z.object({ inner: z.array(z.any()) }) }, 'outer.inner[0]', /Declare the shape/],
  ])('%s', (_name, shape, path, hint) => {
    expectUnsupported(shape as z.ZodRawShape, path, hint);
  });

  it('a clash of derived type names is an error, not a silent rename', () => {
    expect(() =>
      derive({
        aB: z.object({ c: z.enum(['X']) }),
        aBC: z.enum(['Y']),
      }),
    ).toThrow(/ThingABC.*also derived/);
  });
});
