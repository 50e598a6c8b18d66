import type * as z from 'zod';
import { formatPath, KbusError } from '../errors.ts';
import { closest } from './closest.ts';
import { keysAt } from './walk.ts';

/** One refused option: where (`path`) and what is wrong with it. */
export interface OptionProblem {
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
}

/** Option names whose values are never echoed in a message. */
const SECRET = /pass|secret|token|key|cert|^ca$|pfx|auth|credential|connectionstring/i;

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let current = input;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

/** A value as a message may show it: short, with any URL credentials and secrets left out. */
function describe(value: unknown, path: ReadonlyArray<PropertyKey>): string {
  const name = String(path.at(-1) ?? '');
  if (SECRET.test(name) && value !== null && typeof value !== 'object') return `a ${typeof value}`;
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(shown.replace(/\/\/[^/@\s]*@/g, '//***@'));
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length}`;
  if (value instanceof Date) return 'a Date';
  return 'an object';
}

function joinPath(path: ReadonlyArray<PropertyKey>, key?: string): string {
  const full = (key === undefined ? path : [...path, key]).map((part) =>
    typeof part === 'number' ? part : String(part),
  );
  return formatPath(full);
}

function explain(
  root: z.core.$ZodType,
  input: unknown,
  issue: z.core.$ZodIssue,
  base: ReadonlyArray<string | number> = [],
): OptionProblem[] {
  const path = [...base, ...issue.path.map((part) => (typeof part === 'number' ? part : String(part)))];
  if (issue.code === 'invalid_union') {
    // The form the value got furthest in (an object with one bad field) explains it best;
    // if every form was refused outright, the union's own expectation does.
    const nested = issue.errors.find((branch) => branch.some((inner) => inner.path.length > 0));
    if (nested) return nested.flatMap((inner) => explain(root, input, inner, path));
    const hint = issue.errors.flat().find((inner) => inner.message.includes('(did you mean'));
    const message = hint
      ? `${issue.message} ${hint.message.slice(hint.message.indexOf('(did you mean'))}`
      : issue.message;
    return explain(root, input, { ...issue, code: 'custom', message, path: [] } as z.core.$ZodIssue, path);
  }
  if (issue.code === 'unrecognized_keys') {
    const known = keysAt(root, path);
    return issue.keys.map((key) => {
      const near = closest(key, known);
      const hint = near
        ? `did you mean '${joinPath(path, near)}'?`
        : `the options here are ${known.map((k) => `'${k}'`).join(', ')}`;
      return { path: [...path, key], message: `unknown option '${joinPath(path, key)}'; ${hint}` };
    });
  }
  const value = valueAt(input, path);
  if (path.length === 0) return [{ path, message: `pass an options object, not ${describe(value, path)}` }];
  const where = joinPath(path);
  if (value === undefined) return [{ path, message: `${where} is required: pass ${issue.message}` }];
  return [{ path, message: `${where} must be ${issue.message}, not ${describe(value, path)}` }];
}

/**
 * Checks `input` against an entry point's option schema and returns the checked (and
 * normalised) options, or throws one INVALID_CONFIGURATION KbusError naming every refused
 * option path and what to pass; `details.problems` lists them.
 *
 * @example
 * const checked = parseOptions(publisherOptionsSchema, options, 'createPublisher');
 */
export function parseOptions<S extends z.core.$ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const result = (schema as unknown as z.ZodType<z.output<S>>).safeParse(input);
  if (result.success) return result.data;
  // A misspelt key first: it usually explains a "required" one beside it.
  const problems = result.error.issues
    .flatMap((issue) => explain(schema, input, issue))
    .sort((a, b) => Number(b.message.startsWith('unknown option')) - Number(a.message.startsWith('unknown option')));
  const shown = problems
    .slice(0, 3)
    .map((p) => p.message)
    .join('; ');
  const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
  throw new KbusError('INVALID_CONFIGURATION', `${where}: ${shown}${more}`, { details: { problems } });
}
