/**
 * Invalid values for every option of a schema, generated from the schema itself: for tests
 * that an entry point refuses each of them with INVALID_CONFIGURATION naming its path.
 */
import type * as z from 'zod';
import { formatPath, isKbusError } from '../errors.ts';
import { defOf, objectForms, unwrap } from './walk.ts';

export interface InvalidOption {
  /** Where the value goes, from the root of the options. */
  readonly path: ReadonlyArray<string | number>;
  readonly value: unknown;
  /** What kind of invalid it is: `wrong type`, `NaN`, `negative`, `fractional`, `huge`, `unknown key`, … */
  readonly kind: string;
}

/** Candidates tried at every leaf; only those the leaf itself refuses are kept. */
const CANDIDATES: ReadonlyArray<readonly [string, unknown]> = [
  ['wrong type', 42],
  ['wrong type', 'not-a-valid-value'],
  ['wrong type', { nested: true }],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['negative', -1],
  ['fractional', 1.5],
  ['huge', 2 ** 31],
  ['empty', ''],
];

function refuses(schema: z.core.$ZodType, value: unknown): boolean {
  return !(schema as unknown as z.ZodType).safeParse(value).success;
}

/**
 * Per option path: a misspelt key at every object level, and each of NaN, ±Infinity,
 * negative, fractional, huge (2³¹), empty and wrong-type values the option refuses.
 *
 * @example
 * for (const { path, value } of invalidOptions(schema)) expect(() => create(withValue(base, path, value))).toThrow();
 */
export function invalidOptions(schema: z.core.$ZodType): InvalidOption[] {
  const found: InvalidOption[] = [];
  const visit = (node: z.core.$ZodType, path: ReadonlyArray<string | number>, depth: number): void => {
    if (depth > 6) return;
    const inner = unwrap(node);
    const def = defOf(inner);
    const forms = objectForms(inner);
    for (const shape of forms) {
      const first = Object.keys(shape)[0];
      if (first) found.push({ path: [...path, `${first}x`], value: 1, kind: 'unknown key' });
      for (const [key, child] of Object.entries(shape)) visit(child, [...path, key], depth + 1);
    }
    for (const form of def.type === 'union' && def.options ? def.options.map(unwrap) : [inner]) {
      const { type, element, valueType } = defOf(form);
      if (type === 'array' && element) visit(element, [...path, 0], depth + 1);
      if (type === 'record' && valueType) visit(valueType, [...path, 'some.name'], depth + 1);
    }
    if (path.length === 0) return;
    for (const [kind, value] of CANDIDATES)
      if (refuses(node, value) && (forms.length === 0 || typeof value !== 'object')) found.push({ path, value, kind });
  };
  visit(schema, [], 0);
  return found;
}

/** A copy of `base` with `value` at `path` (objects and lists on the way are copied or made). */
export function withOption<T>(base: T, path: ReadonlyArray<string | number>, value: unknown): T {
  const [head, ...rest] = path;
  if (head === undefined) return value as T;
  if (typeof head === 'number') return [withOption(undefined, rest, value)] as T;
  const current = base !== null && typeof base === 'object' && !Array.isArray(base) ? base : {};
  const next = (current as Record<string, unknown>)[head];
  return {
    ...current,
    [head]: withOption(
      next !== null && typeof next === 'object' && !Array.isArray(next) && isPlain(next) ? next : undefined,
      rest,
      value,
    ),
  } as T;
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Tries every invalid option of `schema` on `create` (which may return a promise) and
 * returns how each one that was not refused properly went: not refused, refused with
 * something other than an INVALID_CONFIGURATION KbusError, or with a message that does not
 * name the option's path. An empty list is a pass.
 */
export async function unrefusedOptions<T>(
  schema: z.core.$ZodType,
  base: T,
  create: (options: T) => unknown,
): Promise<string[]> {
  const failures: string[] = [];
  for (const sample of invalidOptions(schema)) {
    const where = `${formatPath(sample.path)} = ${describeSample(sample.value)} (${sample.kind})`;
    let error: unknown;
    try {
      await create(withOption(base, sample.path, sample.value));
    } catch (caught) {
      error = caught;
    }
    if (error === undefined) failures.push(`${where}: accepted`);
    else if (!isKbusError(error, 'INVALID_CONFIGURATION')) failures.push(`${where}: threw ${String(error)}`);
    else if (!error.message.includes(formatPath(sample.path)))
      failures.push(`${where}: the message does not name it: ${error.message}`);
  }
  return failures;
}

function describeSample(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : typeof value === 'object' ? 'an object' : String(value);
}
