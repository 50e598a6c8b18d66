import avro from 'avsc';
import type * as z from 'zod';

const { LogicalType, LongType } = avro.types;

/** `{ "type": "long", "logicalType": "timestamp-millis" }` ⇄ `Date`. */
class TimestampMillisType extends LogicalType {
  override _fromValue(value: number): Date {
    return new Date(value);
  }

  override _toValue(value: unknown): number | undefined {
    if (value instanceof Date) return value.getTime();
    // JSON defaults arrive as numbers.
    return typeof value === 'number' ? value : undefined;
  }

  // A resolver gets the writer type's values: a Date from a timestamp writer, a number from a long/int.
  override _resolve(type: avro.Type): ((value: number | Date) => Date) | undefined {
    if (avro.Type.isType(type, 'logical:timestamp-millis')) return (value) => value as Date;
    if (avro.Type.isType(type, 'long', 'int')) return (value) => this._fromValue(value as number);
    return undefined;
  }
}

/** `{ "type": "string", "logicalType": "uuid" }`: a string; the zod schema checks the format. */
class UuidType extends LogicalType {
  override _fromValue(value: string): string {
    return value;
  }

  override _toValue(value: unknown): string | undefined {
    return typeof value === 'string' ? value : undefined;
  }

  override _resolve(type: avro.Type): ((value: string) => string) | undefined {
    if (avro.Type.isType(type, 'string', 'logical:uuid')) return (value) => value;
    return undefined;
  }
}

/**
 * `{ "type": "bytes", "logicalType": "decimal", precision, scale }` ⇄ a decimal string such
 * as `"-12.30"`: exact, with the unscaled value as big-endian two's complement bytes.
 */
class DecimalType extends LogicalType {
  readonly scale: number;
  readonly precision: number;

  constructor(schema: avro.Schema & { precision?: number; scale?: number }, opts?: avro.ForSchemaOptions) {
    super(schema, opts);
    this.precision = schema.precision ?? 0;
    this.scale = schema.scale ?? 0;
  }

  override _fromValue(bytes: Buffer): string {
    return formatDecimal(bytesToBigInt(bytes), this.scale);
  }

  override _toValue(value: unknown): Buffer | undefined {
    if (typeof value !== 'string') return undefined;
    const unscaled = parseDecimal(value, this.scale);
    return unscaled === undefined ? undefined : bigIntToBytes(unscaled);
  }

  override _resolve(type: avro.Type): ((value: string) => string) | undefined {
    if (avro.Type.isType(type, 'logical:decimal') && (type as unknown as DecimalType).scale === this.scale) {
      return (value) => value;
    }
    return undefined;
  }
}

export function parseDecimal(text: string, scale: number): bigint | undefined {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return undefined;
  const [, sign, whole, fraction = ''] = match;
  if (fraction.length > scale) return undefined;
  const digits = `${whole}${fraction.padEnd(scale, '0')}`;
  const unscaled = BigInt(digits);
  return sign === '-' ? -unscaled : unscaled;
}

function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

function bigIntToBytes(value: bigint): Buffer {
  // Minimal big-endian two's complement: the smallest width whose signed range holds value.
  let width = 1;
  while (value < -(1n << BigInt(width * 8 - 1)) || value >= 1n << BigInt(width * 8 - 1)) width++;
  const twos = value < 0n ? (1n << BigInt(width * 8)) + value : value;
  return Buffer.from(twos.toString(16).padStart(width * 2, '0'), 'hex');
}

function bytesToBigInt(bytes: Buffer): bigint {
  if (bytes.length === 0) return 0n;
  const unsigned = BigInt(`0x${bytes.toString('hex')}`);
  return (bytes[0] ?? 0) & 0x80 ? unsigned - (1n << BigInt(bytes.length * 8)) : unsigned;
}

const MIN_LONG = -(2n ** 63n);
const MAX_LONG = 2n ** 63n - 1n;

/** Avro `long` as a JS `bigint`, exact over the whole 64-bit range. */
const BigIntLongType = LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(0),
  toBuffer: (value: bigint) => {
    const buf = Buffer.allocUnsafe(8);
    buf.writeBigInt64LE(value, 0);
    return buf;
  },
  fromJSON: (value: unknown) => BigInt(value as number | string),
  toJSON: (value: bigint) =>
    value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString(),
  isValid: (value: unknown) => typeof value === 'bigint' && value >= MIN_LONG && value <= MAX_LONG,
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

/** The marker on a `long` whose values are bigints. Other Avro readers ignore it and read a long. */
export const BIG_INTEGER = 'big-integer';

/** Options for `avro.Type.forSchema` that give every schema here the same JS representations. */
const AVRO_TYPE_OPTIONS = {
  logicalTypes: {
    'timestamp-millis': TimestampMillisType,
    uuid: UuidType,
    decimal: DecimalType,
  },
  typeHook: (schema: unknown) => {
    if (
      typeof schema === 'object' &&
      schema !== null &&
      (schema as { type?: unknown }).type === 'long' &&
      (schema as { logicalType?: unknown }).logicalType === BIG_INTEGER
    ) {
      return BigIntLongType;
    }
    return undefined;
  },
} as unknown as avro.ForSchemaOptions;

/** Parses an Avro schema into an avsc type with this package's logical types. */
export function avroType(schema: unknown): avro.Type {
  // avsc records named types in `registry`; each parse gets its own.
  return avro.Type.forSchema(schema as avro.Schema, { ...AVRO_TYPE_OPTIONS, registry: {} });
}

// Decimal columns are zod strings carrying this check; the check object survives
// `.describe()`, `.optional()` and other clones, so the Avro mapping can find it.
const decimalChecks = new WeakMap<object, { precision: number; scale: number }>();

/** The precision and scale of a zod schema made by `decimal()`, if it is one. */
export function decimalOf(schema: z.ZodType): { precision: number; scale: number } | undefined {
  const checks = (schema._zod.def as { checks?: object[] }).checks ?? [];
  for (const check of checks) {
    const found = decimalChecks.get(check);
    if (found) return found;
  }
  return undefined;
}

export function registerDecimalCheck(check: object, spec: { precision: number; scale: number }): void {
  decimalChecks.set(check, spec);
}
