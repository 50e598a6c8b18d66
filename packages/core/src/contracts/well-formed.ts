import type { ValidationIssue } from '../errors.ts';

/**
 * Where `value` holds a string that is not well-formed UTF-16 (a lone surrogate): such a
 * string has no UTF-8 form, so Node writes U+FFFD and Java "?" in its place: the bytes on
 * the wire would not be what was published (and a key would map to another partition).
 * Object keys count (a z.record's keys are encoded too). Plain data is walked; other
 * objects (Date, Buffer, bigint wrappers) hold no strings that are encoded as text.
 */
export function malformedStrings(value: unknown, path: ReadonlyArray<string | number> = []): ValidationIssue[] {
  // The common case allocates nothing: paths are only built once something was found.
  return wellFormed(value, 0) ? [] : collect(value, path, [], 0);
}

function wellFormed(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return value.isWellFormed();
  if (value === null || typeof value !== 'object' || depth > 64) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (!wellFormed(item, depth + 1)) return false;
    return true;
  }
  if (value instanceof Map) {
    for (const [k, v] of value)
      if ((typeof k === 'string' && !k.isWellFormed()) || !wellFormed(v, depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return true;
  for (const key in value) {
    if (!key.isWellFormed() || !wellFormed((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

function collect(
  value: unknown,
  path: ReadonlyArray<string | number>,
  found: ValidationIssue[],
  depth: number,
): ValidationIssue[] {
  if (typeof value === 'string') {
    if (!value.isWellFormed()) found.push(issue(path));
    return found;
  }
  if (value === null || typeof value !== 'object' || depth > 64 || found.length >= 20) return found;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) collect(value[i], [...path, i], found, depth + 1);
    return found;
  }
  if (value instanceof Map) {
    for (const [k, v] of value) {
      if (typeof k === 'string' && !k.isWellFormed()) found.push(issue([...path, k], 'key'));
      collect(v, [...path, String(k)], found, depth + 1);
    }
    return found;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return found;
  for (const key of Object.keys(value)) {
    if (!key.isWellFormed()) found.push(issue([...path, key], 'key'));
    collect((value as Record<string, unknown>)[key], [...path, key], found, depth + 1);
  }
  return found;
}

function issue(path: ReadonlyArray<string | number>, what: 'string' | 'key' = 'string'): ValidationIssue {
  return {
    path: [...path],
    message: `${what === 'key' ? 'an object key' : 'the string'} contains a lone UTF-16 surrogate, which has no UTF-8 form; use well-formed Unicode (String.prototype.toWellFormed())`,
    code: 'invalid_string',
  };
}
