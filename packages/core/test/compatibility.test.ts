import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  checkCompatibility,
  checkDeclaredVersions,
  defineEvent,
  defineTopic,
  explain,
  isKbusError,
} from '../src/index.ts';

const base = { type: 'user-account.created', namespace: 'com.acme.auth' } as const;
const V1 = defineEvent({
  ...base,
  version: 1,
  schema: z.object({ accountId: z.uuid(), email: z.email(), legacy: z.string().default('') }),
});

const evolve = (schema: z.ZodObject) => defineEvent({ ...base, version: 2, schema, previous: V1 });

describe('Avro compatibility rules', () => {
  it('accepts an added optional field and a removed field that had a default (BACKWARD and FORWARD)', () => {
    const V2 = evolve(z.object({ accountId: z.uuid(), email: z.email(), displayName: z.string().optional() }));
    const result = checkCompatibility(V2.envelopeSchema, [{ version: 1, schema: V1.envelopeSchema }], 'FULL');
    expect(result.problems).toEqual([]);
  });

  it('rejects a required field added without a default, naming the field and the rule', () => {
    const V2 = evolve(z.object({ accountId: z.uuid(), email: z.email(), legacy: z.string(), tenant: z.string() }));
    const result = checkCompatibility(V2.envelopeSchema, [{ version: 1, schema: V1.envelopeSchema }], 'BACKWARD');
    expect(result.compatible).toBe(false);
    expect(result.problems).toMatchObject([
      { rule: 'READER_FIELD_MISSING_DEFAULT_VALUE', path: 'payload.tenant', direction: 'BACKWARD' },
    ]);
    expect(explain(result.problems[0] as never)).toMatch(/payload\.tenant.*\.optional\(\)/);
  });

  it('rejects a type change', () => {
    const V2 = evolve(z.object({ accountId: z.uuid(), email: z.int(), legacy: z.string().default('') }));
    const result = checkCompatibility(V2.envelopeSchema, [{ version: 1, schema: V1.envelopeSchema }], 'BACKWARD');
    expect(result.problems).toMatchObject([{ rule: 'TYPE_MISMATCH', path: 'payload.email' }]);
  });

  it('allows promotions (int → long) backward but not forward', () => {
    const A = defineEvent({ ...base, version: 1, schema: z.object({ n: z.int32() }) });
    const B = defineEvent({ ...base, version: 2, schema: z.object({ n: z.int() }) });
    expect(
      checkCompatibility(B.envelopeSchema, [{ version: 1, schema: A.envelopeSchema }], 'BACKWARD').compatible,
    ).toBe(true);
    expect(
      checkCompatibility(B.envelopeSchema, [{ version: 1, schema: A.envelopeSchema }], 'FORWARD').problems,
    ).toMatchObject([{ rule: 'TYPE_MISMATCH', path: 'payload.n', direction: 'FORWARD' }]);
  });

  it('flags removed enum symbols and removed required fields in the FORWARD direction', () => {
    const A = defineEvent({ ...base, version: 1, schema: z.object({ s: z.enum(['A', 'B']), keep: z.string() }) });
    const B = defineEvent({ ...base, version: 2, schema: z.object({ s: z.enum(['A']) }) });
    const forward = checkCompatibility(B.envelopeSchema, [{ version: 1, schema: A.envelopeSchema }], 'FULL');
    expect(forward.problems.map((p) => `${p.direction}:${p.rule}:${p.path}`).sort()).toEqual([
      'BACKWARD:MISSING_ENUM_SYMBOLS:payload.s',
      'FORWARD:READER_FIELD_MISSING_DEFAULT_VALUE:payload.keep',
    ]);
  });

  it('checks transitively against every earlier version only when asked', () => {
    const A = defineEvent({ ...base, version: 1, schema: z.object({ a: z.string() }) });
    const B = defineEvent({ ...base, version: 2, schema: z.object({ a: z.string(), b: z.string().default('') }) });
    const C = defineEvent({ ...base, version: 3, schema: z.object({ b: z.string() }) });
    const history = [
      { version: 1, schema: A.envelopeSchema },
      { version: 2, schema: B.envelopeSchema },
    ];
    expect(checkCompatibility(C.envelopeSchema, history, 'BACKWARD').compatible).toBe(true);
    expect(checkCompatibility(C.envelopeSchema, history, 'BACKWARD_TRANSITIVE').problems).toMatchObject([
      { rule: 'READER_FIELD_MISSING_DEFAULT_VALUE', path: 'payload.b', againstVersion: 1 },
    ]);
  });

  it('checks the versions declared side by side in code', () => {
    const V2 = evolve(z.object({ accountId: z.uuid(), email: z.email(), tenant: z.string() }));
    const topic = defineTopic({ name: 'auth.user-account', events: [V2] });
    const [result] = checkDeclaredVersions(topic);
    expect(result?.compatible).toBe(false);
    expect(result?.messages[0]).toMatch(
      /user-account\.created v2: READER_FIELD_MISSING_DEFAULT_VALUE at payload\.tenant/,
    );
  });
});

describe('compatibility level names', () => {
  const V2 = evolve(z.object({ accountId: z.uuid(), email: z.email(), legacy: z.string(), tenant: z.string() }));
  const previous = [{ version: 1, schema: V1.envelopeSchema }];

  it('checks a level given in any case as that level, never as no check at all', () => {
    for (const level of ['backward', 'Backward', 'full_transitive']) {
      const result = checkCompatibility(V2.envelopeSchema, previous, level as never);
      expect(result.compatible, level).toBe(false);
      expect(result.level).toBe(level.toUpperCase());
    }
  });

  it('refuses a level that is none of the registry levels, naming them', () => {
    let error: unknown;
    try {
      checkCompatibility(V2.envelopeSchema, previous, 'BACKWARDS' as never);
    } catch (caught) {
      error = caught;
    }
    expect(isKbusError(error, 'INVALID_CONFIGURATION')).toBe(true);
    expect((error as Error).message).toMatch(/BACKWARD, BACKWARD_TRANSITIVE.*not "BACKWARDS"/);
  });
});
