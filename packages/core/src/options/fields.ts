/**
 * Building blocks of the SDK's option schemas. Each entry point declares its options once,
 * with these, and takes both its TypeScript type (`z.input`) and its check at creation
 * (`parseOptions`) from that one declaration. Every block carries, as its error, what to
 * pass instead, so a refusal reads "batch.lingerMs must be <expectation>, not <value>".
 * Checked once per client, never per record.
 */
import * as z from 'zod';
import { closest } from './closest.ts';

/** The longest delay Node's timers honour: `setTimeout` fires a longer one after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Counts and sizes stay within a signed 32-bit integer (Kafka's own limit for them). */
const MAX_INT32 = 2 ** 31 - 1;

/** A duration that ends up in a timer: whole milliseconds, at most `MAX_TIMER_MS`. */
export function timerMs(min = 0) {
  return z
    .number({
      error: `a whole number of milliseconds from ${min} to ${MAX_TIMER_MS} (Node fires longer timers at once)`,
    })
    .int()
    .min(min)
    .max(MAX_TIMER_MS);
}

/** A whole number from `min` to `max` (default the 32-bit limit). */
export function wholeNumber(min: number, max = MAX_INT32) {
  return z
    .number({ error: `a whole number from ${min} to ${max}` })
    .int()
    .min(min)
    .max(max);
}

/** A finite number from `min` to `max`, fractions allowed. */
export function numberBetween(min: number, max: number) {
  return z
    .number({ error: `a number from ${min} to ${max}` })
    .min(min)
    .max(max);
}

/** A non-empty string. */
export function nonEmptyString(expectation = 'a non-empty string') {
  return z.string({ error: expectation }).min(1);
}

/** Any string, the empty one included (a password may be empty). */
export function anyString(expectation = 'a string') {
  return z.string({ error: expectation });
}

export function booleanOption() {
  return z.boolean({ error: 'true or false' });
}

/**
 * One of a closed set of names, matched regardless of case and given on as declared
 * (`'backward'` becomes `'BACKWARD'`): a value in another case is never silently something
 * else. A near miss is named.
 */
export function choice<const V extends readonly [string, ...string[]]>(values: V) {
  const byLowerCase = new Map<string, V[number]>(values.map((value) => [value.toLowerCase(), value]));
  const quoted = values.map((value) => JSON.stringify(value));
  const listed = quoted.length === 2 ? `${quoted[0]} or ${quoted[1]}` : `one of ${quoted.join(', ')}`;
  return z
    .custom<V[number]>((value) => typeof value === 'string' && byLowerCase.has(value.toLowerCase()), {
      error: (issue) => {
        const near = typeof issue.input === 'string' ? closest(issue.input, values) : undefined;
        return near ? `${listed} (did you mean ${JSON.stringify(near)}?)` : listed;
      },
    })
    .transform((value) => byLowerCase.get(value.toLowerCase()) as V[number]);
}

/** A function (a callback or handler); its arguments are the type's business. */
export function callback<F extends (...args: never[]) => unknown>(expectation = 'a function') {
  return z.custom<F>((value) => typeof value === 'function', { error: expectation });
}

/** A value only a check function can recognise (a class instance, a declaration object). */
export function recognised<T>(check: (value: unknown) => boolean, expectation: string) {
  return z.custom<T>(check, { error: expectation });
}

/** A list; readonly in its type so that `as const` arrays are accepted. */
export function listOf<T extends z.ZodType>(item: T, expectation: string, min = 0) {
  return z.array(item, { error: expectation }).min(min, { error: expectation }).readonly();
}

/**
 * An options object: unknown keys are refused (and the closest known key named, see
 * parseOptions) rather than ignored, since an ignored option is a silent misconfiguration.
 */
export function strictOptions<const S extends z.core.$ZodLooseShape>(shape: S, expectation = 'an object of options') {
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? undefined : expectation),
  });
}

/** One of several forms (`false` or an object, a name or a function, …). */
export function oneOf<const T extends readonly z.core.SomeType[]>(forms: T, expectation: string) {
  return z.union(forms, { error: expectation });
}

/** `false`, as in "turn this off". */
export function off() {
  return z.literal(false);
}
