import type * as z from 'zod';
import { formatPath, KbusError } from '../errors.ts';
import { BIG_INTEGER, decimalOf } from './logical-types.ts';
import { type AvroField, type AvroRecord, type AvroSchema, isAvroName, pascalCase, stableStringify } from './schema.ts';

/** A conversion applied around avsc; `undefined` means the value passes unchanged. */
export type Convert = ((value: unknown) => unknown) | undefined;

/** What the mapping of one zod node produces. */
interface Mapped {
  schema: AvroSchema;
  /** zod output value → the value avsc encodes. */
  toAvro: Convert;
  /** avsc decoded value → the zod input value. */
  fromAvro: Convert;
  /** The union this node became includes "null" (optional or nullable). */
  nullable: boolean;
  /** Absent is allowed (zod optional): a decoded null becomes undefined. */
  optional: boolean;
  /** A static default (zod `.default()`), as zod output. */
  defaultValue?: { value: unknown };
  doc?: string;
}

export interface ZodToAvroOptions {
  /** Avro namespace of every named type produced. */
  readonly namespace: string;
  /** Name of the top-level record. */
  readonly name: string;
  readonly doc?: string;
}

export interface PayloadMapping {
  readonly schema: AvroRecord;
  readonly toAvro: Convert;
  readonly fromAvro: Convert;
}

type AnyZod = z.ZodType;

interface ZodDef {
  type: string;
  [key: string]: unknown;
}

function defOf(schema: AnyZod): ZodDef {
  return schema._zod.def as unknown as ZodDef;
}

function unsupported(path: readonly (string | number)[], what: string, instead: string): never {
  throw new KbusError('UNSUPPORTED_SCHEMA', `${formatPath(path)}: ${what} has no faithful Avro form. ${instead}`, {
    details: { path: [...path] },
  });
}

class Mapper {
  private readonly names = new Map<string, string>();
  private readonly namespace: string;

  constructor(namespace: string) {
    this.namespace = namespace;
  }

  /** Claims a unique named-type name, failing (rather than renaming silently) on a clash. */
  private claim(name: string, path: readonly (string | number)[]): string {
    if (!isAvroName(name)) {
      unsupported(path, `the derived type name "${name}"`, 'Give the type a name with .meta({ avroName: "Name" }).');
    }
    const previous = this.names.get(name);
    if (previous !== undefined) {
      throw new KbusError(
        'UNSUPPORTED_SCHEMA',
        `${formatPath(path)}: the Avro type name "${name}" is also derived for ${previous}. ` +
          'Give one of them another name with .meta({ avroName: "OtherName" }).',
        { details: { path: [...path] } },
      );
    }
    this.names.set(name, formatPath(path));
    return name;
  }

  private fullName(name: string): string {
    return `${this.namespace}.${name}`;
  }

  map(schema: AnyZod, path: (string | number)[], typeName: string): Mapped {
    const def = defOf(schema);
    const doc = schema.description;
    const withDoc = (mapped: Mapped): Mapped => (doc && !mapped.doc ? { ...mapped, doc } : mapped);
    switch (def.type) {
      case 'string':
        return withDoc(this.string(schema, def));
      case 'number':
        return withDoc(plain(numberType(def)));
      case 'boolean':
        return withDoc(plain('boolean'));
      case 'bigint':
        return withDoc(plain({ type: 'long', logicalType: BIG_INTEGER }));
      case 'date':
        return withDoc(plain({ type: 'long', logicalType: 'timestamp-millis' }));
      case 'enum':
        return withDoc(this.enumeration(def, path, typeName, doc));
      case 'literal':
        return withDoc(literal(def, path));
      case 'optional':
      case 'nullable':
        return withDoc(this.optional(def, path, typeName));
      case 'default':
        return withDoc(this.withDefault(def, path, typeName));
      case 'readonly':
      case 'catch':
      case 'nonoptional':
        return withDoc(this.map(def.innerType as AnyZod, path, typeName));
      case 'array':
        return withDoc(this.array(def, path, typeName));
      case 'record':
        return withDoc(this.record(def, path, typeName));
      case 'map':
        return withDoc(this.mapType(def, path, typeName));
      case 'object':
        return withDoc(this.object(schema, path, typeName));
      case 'union':
        return withDoc(this.union(def, path, typeName));
      case 'pipe':
      case 'transform':
        return unsupported(
          path,
          'a transform or pipe',
          'Declare the payload as the data that travels; transform in the handler.',
        );
      case 'tuple':
        return unsupported(path, 'a tuple', 'Use an object with named fields, or an array of one type.');
      case 'intersection':
        return unsupported(
          path,
          'an intersection',
          'Merge the objects with .extend() or z.object({...a.shape, ...b.shape}).',
        );
      case 'lazy':
        return unsupported(path, 'a lazy (recursive) schema', 'Flatten the structure, or carry it as a JSON string.');
      case 'set':
        return unsupported(path, 'a set', 'Use z.array() (and check uniqueness with .refine()).');
      case 'any':
      case 'unknown':
        return unsupported(
          path,
          `z.${def.type}()`,
          'Declare the shape, or carry free-form data as a JSON string (z.string()).',
        );
      case 'null':
      case 'undefined':
      case 'void':
        return unsupported(path, `z.${def.type}() on its own`, 'Use .optional() or .nullable() on the field.');
      default:
        return unsupported(
          path,
          `z.${def.type}()`,
          'Use strings, numbers, booleans, enums, dates, bigints, arrays, records and objects.',
        );
    }
  }

  private string(schema: AnyZod, def: ZodDef): Mapped {
    const decimal = decimalOf(schema);
    if (decimal)
      return plain({ type: 'bytes', logicalType: 'decimal', precision: decimal.precision, scale: decimal.scale });
    const checks = (def.checks as Array<{ _zod: { def: { format?: string } } }> | undefined) ?? [];
    const format = (def.format as string | undefined) ?? checks.find((c) => c._zod.def.format)?._zod.def.format;
    if (format === 'uuid' || format === 'guid') return plain({ type: 'string', logicalType: 'uuid' });
    return plain('string');
  }

  private enumeration(def: ZodDef, path: (string | number)[], typeName: string, doc: string | undefined): Mapped {
    const values = Object.values(def.entries as Record<string, unknown>);
    for (const value of values) {
      if (typeof value !== 'string') {
        unsupported(path, 'an enum with non-string values', 'Use string enum values (z.enum(["A", "B"])).');
      }
      if (!isAvroName(value)) {
        unsupported(
          path,
          `the enum symbol "${value}"`,
          'Avro enum symbols match [A-Za-z_][A-Za-z0-9_]*; rename the symbol, or use z.string() with a .refine().',
        );
      }
    }
    const name = this.claim(typeName, path);
    return plain({ type: 'enum', name, symbols: values as string[], ...(doc ? { doc } : {}) });
  }

  private optional(def: ZodDef, path: (string | number)[], typeName: string): Mapped {
    const inner = this.map(def.innerType as AnyZod, path, typeName);
    return nullUnion(inner, def.type === 'optional' || inner.optional);
  }

  private withDefault(def: ZodDef, path: (string | number)[], typeName: string): Mapped {
    const first = def.defaultValue;
    const second = def.defaultValue;
    if (stableStringify(jsonable(first)) !== stableStringify(jsonable(second))) {
      unsupported(
        path,
        'a default computed by a function',
        'Avro defaults are constants: use a constant default, or make the field optional.',
      );
    }
    const inner = this.map(def.innerType as AnyZod, path, typeName);
    return { ...inner, optional: false, defaultValue: { value: first } };
  }

  private array(def: ZodDef, path: (string | number)[], typeName: string): Mapped {
    const items = this.map(def.element as AnyZod, [...path, 0], `${typeName}Item`);
    const to = elementToAvro(items);
    const from = items.fromAvro;
    return {
      schema: { type: 'array', items: items.schema },
      toAvro: to ? (v) => (v as unknown[]).map(to) : undefined,
      fromAvro: from ? (v) => (v as unknown[]).map(from) : undefined,
      nullable: false,
      optional: false,
    };
  }

  private record(def: ZodDef, path: (string | number)[], typeName: string): Mapped {
    const keyType = defOf(def.keyType as AnyZod).type;
    if (keyType !== 'string') {
      unsupported(path, `a record with ${keyType} keys`, 'Avro map keys are strings: use z.record(z.string(), …).');
    }
    return this.mapOf(def.valueType as AnyZod, path, typeName);
  }

  private mapType(def: ZodDef, path: (string | number)[], typeName: string): Mapped {
    const keyType = defOf(def.keyType as AnyZod).type;
    if (keyType !== 'string') {
      unsupported(path, `a map with ${keyType} keys`, 'Avro map keys are strings: use z.record(z.string(), …).');
    }
    // A JS Map travels as an Avro map; convert at the edges.
    const inner = this.mapOf(def.valueType as AnyZod, path, typeName);
    const to = inner.toAvro;
    const from = inner.fromAvro;
    return {
      ...inner,
      toAvro: (v) => {
        const object = Object.fromEntries(v as Map<string, unknown>);
        return to ? to(object) : object;
      },
      fromAvro: (v) => new Map(Object.entries((from ? from(v) : v) as Record<string, unknown>)),
    };
  }

  private mapOf(valueType: AnyZod, path: (string | number)[], typeName: string): Mapped {
    const values = this.map(valueType, [...path, '*'], `${typeName}Value`);
    const to = elementToAvro(values);
    const from = values.fromAvro;
    const each = (convert: (v: unknown) => unknown) => (v: unknown) => {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(v as Record<string, unknown>)) out[key] = convert(value);
      return out;
    };
    return {
      schema: { type: 'map', values: values.schema },
      toAvro: to ? each(to) : undefined,
      fromAvro: from ? each(from) : undefined,
      nullable: false,
      optional: false,
    };
  }

  object(schema: AnyZod, path: (string | number)[], typeName: string, docOverride?: string): Mapped {
    const def = defOf(schema);
    const catchall = def.catchall as AnyZod | undefined;
    if (catchall && !['never', 'unknown', 'any'].includes(defOf(catchall).type)) {
      unsupported(
        path,
        'an object with .catchall()',
        'Avro records have fixed fields: declare the extra fields, or use a z.record() field.',
      );
    }
    const meta = schema.meta?.() as { avroName?: string } | undefined;
    const name = this.claim(meta?.avroName ?? typeName, path);
    const shape = def.shape as Record<string, AnyZod>;
    const fields: AvroField[] = [];
    const toAvro: Array<[string, (v: unknown) => unknown]> = [];
    const fromAvro: Array<[string, (v: unknown) => unknown]> = [];
    for (const [key, fieldSchema] of Object.entries(shape)) {
      const fieldPath = [...path, key];
      if (!isAvroName(key)) {
        unsupported(
          fieldPath,
          `the field name "${key}"`,
          'Avro field names match [A-Za-z_][A-Za-z0-9_]*: rename the field.',
        );
      }
      const mapped = this.map(fieldSchema, fieldPath, `${name}${pascalCase(key)}`);
      const field: AvroField = { name: key, type: mapped.schema };
      if (mapped.doc) field.doc = mapped.doc;
      if (mapped.defaultValue) {
        field.default = avroDefault(mapped.defaultValue.value, mapped, fieldPath);
        // Avro requires a union's default to match its first branch.
        if (Array.isArray(field.type) && field.default !== null) {
          field.type = [...field.type.filter((t) => t !== 'null'), 'null'];
        }
      } else if (mapped.nullable) {
        field.default = null;
      }
      fields.push(field);
      if (mapped.toAvro) toAvro.push([key, mapped.toAvro]);
      if (mapped.fromAvro) fromAvro.push([key, mapped.fromAvro]);
    }
    const doc = docOverride ?? schema.description;
    return {
      schema: { type: 'record', name, ...(doc ? { doc } : {}), fields },
      toAvro: toAvro.length === 0 ? undefined : convertFields(toAvro, true),
      fromAvro: fromAvro.length === 0 ? undefined : convertFields(fromAvro, false),
      nullable: false,
      optional: false,
    };
  }

  private union(def: ZodDef, path: (string | number)[], typeName: string): Mapped {
    const options = def.options as AnyZod[];
    const discriminator = def.discriminator as string | undefined;
    if (discriminator) return this.discriminated(options, discriminator, path, typeName);
    // A union with z.null()/z.undefined() is how some write nullable/optional.
    const empty = options.filter((o) => ['null', 'undefined'].includes(defOf(o).type));
    const rest = options.filter((o) => !empty.includes(o));
    if (empty.length > 0 && rest.length === 1 && rest[0]) {
      return nullUnion(
        this.map(rest[0], path, typeName),
        empty.some((o) => defOf(o).type === 'undefined'),
      );
    }
    const branches = rest.map((o, i) => this.map(o, [...path, `|${i}`], `${typeName}${i}`));
    const kinds = branches.map((b) => primitiveKind(b.schema));
    if (kinds.some((k) => k === undefined) || new Set(kinds).size !== kinds.length) {
      unsupported(
        path,
        'a union whose branches Avro cannot tell apart',
        'Use z.discriminatedUnion("kind", [...]) for objects; plain unions may only mix distinct primitives (string | number | boolean).',
      );
    }
    return {
      schema: branches.map((b) => b.schema),
      toAvro: undefined,
      fromAvro: undefined,
      nullable: false,
      optional: false,
    };
  }

  private discriminated(options: AnyZod[], discriminator: string, path: (string | number)[], typeName: string): Mapped {
    const byValue = new Map<string, { fullName: string; to: Convert; from: Convert }>();
    const byName = new Map<string, Convert>();
    const schemas: AvroSchema[] = [];
    for (const option of options) {
      const tag = (defOf(option).shape as Record<string, AnyZod> | undefined)?.[discriminator];
      const values = tag ? ((defOf(tag).values as unknown[] | undefined) ?? []) : [];
      const value = values[0];
      if (typeof value !== 'string' || values.length !== 1) {
        unsupported(
          path,
          `a discriminated union on "${discriminator}" with a non-string or multi-valued tag`,
          'Tag each branch with one string literal.',
        );
      }
      const mapped = this.object(option, path, `${typeName}${pascalCase(value)}`);
      const record = mapped.schema as AvroRecord;
      const full = this.fullName(record.name);
      byValue.set(value, { fullName: full, to: mapped.toAvro, from: mapped.fromAvro });
      byName.set(full, mapped.fromAvro);
      schemas.push(record);
    }
    // avsc wraps a union of several records as { "<full name>": value }.
    return {
      schema: schemas,
      toAvro: (v) => {
        const branch = byValue.get((v as Record<string, string>)[discriminator] as string);
        if (!branch) return v;
        return { [branch.fullName]: branch.to ? branch.to(v) : v };
      },
      fromAvro: (v) => {
        const wrapped = v as Record<string, unknown>;
        for (const key in wrapped) {
          const from = byName.get(key);
          return from ? from(wrapped[key]) : wrapped[key];
        }
        return v;
      },
      nullable: false,
      optional: false,
    };
  }
}

/**
 * Makes `inner` a union with "null". `optional`: zod's absent value (undefined) travels as
 * null and comes back as undefined. In a record field avsc turns undefined into the field's
 * null default by itself, so only a converter of the inner value is needed on the way in.
 */
function nullUnion(inner: Mapped, optional: boolean): Mapped {
  const item = inner.toAvro;
  const back = inner.fromAvro;
  return {
    schema: inner.nullable ? inner.schema : ['null', ...(Array.isArray(inner.schema) ? inner.schema : [inner.schema])],
    toAvro: item ? (v) => (v === undefined || v === null ? null : item(v)) : undefined,
    fromAvro: back || optional ? (v) => (v === null ? (optional ? undefined : null) : back ? back(v) : v) : undefined,
    nullable: true,
    optional,
    ...(inner.doc ? { doc: inner.doc } : {}),
  };
}

/** Array items and map values have no field default: an absent optional item is sent as null. */
function elementToAvro(element: Mapped): Convert {
  if (element.toAvro) return element.toAvro;
  return element.optional ? (v) => (v === undefined ? null : v) : undefined;
}

function plain(schema: AvroSchema): Mapped {
  return { schema, toAvro: undefined, fromAvro: undefined, nullable: false, optional: false };
}

function numberType(def: ZodDef): AvroSchema {
  const checks = (def.checks as Array<{ _zod: { def: { format?: string } } }> | undefined) ?? [];
  const format = (def.format as string | undefined) ?? checks.find((c) => c._zod.def.format)?._zod.def.format;
  switch (format) {
    case 'int32':
      return 'int';
    case 'safeint':
    case 'uint32':
      return 'long';
    case 'float32':
      return 'float';
    default:
      return 'double';
  }
}

function literal(def: ZodDef, path: (string | number)[]): Mapped {
  const values = def.values as unknown[];
  const kinds = new Set(values.map((v) => typeof v));
  if (kinds.size !== 1) unsupported(path, 'a literal of mixed types', 'Use literals of one type.');
  const [kind] = kinds;
  switch (kind) {
    case 'string':
      return plain('string');
    case 'boolean':
      return plain('boolean');
    case 'bigint':
      return plain({ type: 'long', logicalType: BIG_INTEGER });
    case 'number':
      return plain(values.every((v) => Number.isInteger(v)) ? 'long' : 'double');
    default:
      return unsupported(path, `a ${String(kind)} literal`, 'Use .optional() or .nullable() for absent values.');
  }
}

function primitiveKind(schema: AvroSchema): string | undefined {
  if (typeof schema !== 'string') return undefined;
  switch (schema) {
    case 'int':
    case 'long':
    case 'float':
    case 'double':
      return 'number';
    case 'string':
    case 'boolean':
      return schema;
    default:
      return undefined;
  }
}

function convertFields(converters: Array<[string, (v: unknown) => unknown]>, toAvro: boolean): (v: unknown) => unknown {
  return (value) => {
    const source = value as Record<string, unknown>;
    // Encoding must not change the caller's object; decoding owns its freshly decoded one.
    const target = toAvro ? { ...source } : source;
    for (const [key, convert] of converters) target[key] = convert(source[key]);
    return target;
  };
}

function jsonable(value: unknown): unknown {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Map) return Object.fromEntries(value);
  return value;
}

/** The Avro JSON form of a zod default value. */
function avroDefault(value: unknown, mapped: Mapped, path: (string | number)[]): unknown {
  if (value === undefined) return null;
  const converted = mapped.toAvro ? mapped.toAvro(value) : value;
  const toJson = (v: unknown): unknown => {
    if (v instanceof Date) return v.getTime();
    if (typeof v === 'bigint') {
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
        unsupported(path, 'a bigint default beyond 2^53', 'Use a smaller default or make the field optional.');
      }
      return Number(v);
    }
    if (Array.isArray(v)) return v.map(toJson);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
    return v;
  };
  if (
    typeof mapped.schema === 'object' &&
    !Array.isArray(mapped.schema) &&
    'logicalType' in mapped.schema &&
    mapped.schema.logicalType === 'decimal'
  ) {
    unsupported(path, 'a default on a decimal', 'Make the decimal field optional instead.');
  }
  return toJson(converted);
}

/**
 * Derives the Avro record for a zod object, deterministically. Fails with
 * `UNSUPPORTED_SCHEMA` (naming the field path and what to use instead) for constructs with
 * no faithful Avro form.
 *
 * @example
 * const { schema } = zodToAvro(z.object({ id: z.uuid(), at: z.date() }), { namespace: 'acme', name: 'Thing' });
 */
export function zodToAvro(schema: z.ZodObject, options: ZodToAvroOptions): PayloadMapping {
  if (defOf(schema).type !== 'object') {
    unsupported([], 'a payload that is not a z.object()', 'Declare the payload with z.object({...}).');
  }
  const mapper = new Mapper(options.namespace);
  const mapped = mapper.object(schema, [], options.name, options.doc);
  const record = { ...(mapped.schema as AvroRecord), namespace: options.namespace };
  return { schema: record, toAvro: mapped.toAvro, fromAvro: mapped.fromAvro };
}
