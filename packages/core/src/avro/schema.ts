/** The subset of Avro schema JSON this package produces and reads. */
export type AvroPrimitive = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';

export interface AvroField {
  name: string;
  type: AvroSchema;
  doc?: string;
  default?: unknown;
  aliases?: string[];
}

export interface AvroRecord {
  type: 'record';
  name: string;
  namespace?: string;
  doc?: string;
  aliases?: string[];
  fields: AvroField[];
}

export interface AvroEnum {
  type: 'enum';
  name: string;
  namespace?: string;
  doc?: string;
  aliases?: string[];
  symbols: string[];
  default?: string;
}

export interface AvroArray {
  type: 'array';
  items: AvroSchema;
}

export interface AvroMap {
  type: 'map';
  values: AvroSchema;
}

export interface AvroFixed {
  type: 'fixed';
  name: string;
  namespace?: string;
  size: number;
}

export interface AvroLogical {
  type: AvroPrimitive | AvroFixed;
  logicalType: string;
  precision?: number;
  scale?: number;
}

export type AvroUnion = AvroSchema[];

export type AvroSchema =
  | AvroPrimitive
  | string
  | AvroRecord
  | AvroEnum
  | AvroArray
  | AvroMap
  | AvroFixed
  | AvroLogical
  | AvroUnion;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True for a valid Avro name component (record, enum, field or symbol name). */
export function isAvroName(name: string): boolean {
  return NAME.test(name);
}

// The order of Avro's Parsing Canonical Form (name, type, fields, symbols, items, values,
// size), with the attributes it strips placed where they read naturally.
const KEY_ORDER = [
  'name',
  'namespace',
  'type',
  'doc',
  'aliases',
  'logicalType',
  'precision',
  'scale',
  'size',
  'symbols',
  'items',
  'values',
  'fields',
  'default',
];

/**
 * Serializes a schema with a fixed key order and no whitespace, so that the same schema
 * always gives byte-identical text (and the registry gives it the same id).
 */
export function stableStringify(schema: unknown): string {
  return JSON.stringify(schema, (_key, value: unknown) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries);
  });
}

function rank(key: string): number {
  const index = KEY_ORDER.indexOf(key);
  return index === -1 ? KEY_ORDER.length : index;
}

/** The full name of a named schema (`namespace.name`), given the enclosing namespace. */
export function fullName(schema: { name: string; namespace?: string }, enclosing?: string): string {
  if (schema.name.includes('.')) return schema.name;
  const namespace = schema.namespace ?? enclosing;
  return namespace ? `${namespace}.${schema.name}` : schema.name;
}

/** `user-account.created` → `UserAccountCreated`: the parts between non-alphanumerics, capitalised. */
export function pascalCase(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
