import { KbusError } from '../errors.ts';
import type { AvroEnum, AvroField, AvroFixed, AvroRecord, AvroSchema } from './schema.ts';

/** Compatibility levels, as the Confluent Schema Registry names them. */
export type CompatibilityLevel =
  | 'BACKWARD'
  | 'BACKWARD_TRANSITIVE'
  | 'FORWARD'
  | 'FORWARD_TRANSITIVE'
  | 'FULL'
  | 'FULL_TRANSITIVE'
  | 'NONE';

export const COMPATIBILITY_LEVELS: readonly CompatibilityLevel[] = [
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
  'NONE',
];

/** The rule a change breaks, named as in Avro's Java `SchemaCompatibility`. */
export type IncompatibilityRule =
  | 'NAME_MISMATCH'
  | 'FIXED_SIZE_MISMATCH'
  | 'MISSING_ENUM_SYMBOLS'
  | 'READER_FIELD_MISSING_DEFAULT_VALUE'
  | 'TYPE_MISMATCH'
  | 'MISSING_UNION_BRANCH';

export interface Incompatibility {
  readonly rule: IncompatibilityRule;
  /** Dotted path of the field in the schema, for example `payload.email`. */
  readonly path: string;
  readonly message: string;
}

interface Named {
  name: string;
  namespace?: string;
  aliases?: string[];
}

/** Resolves named-type references (a string naming a record/enum/fixed defined earlier). */
class Names {
  private readonly byName = new Map<string, AvroSchema>();

  collect(schema: AvroSchema, namespace?: string): void {
    if (Array.isArray(schema)) {
      for (const branch of schema) this.collect(branch, namespace);
      return;
    }
    if (typeof schema !== 'object') return;
    if ('logicalType' in schema && typeof schema.type === 'object') {
      this.collect(schema.type, namespace);
      return;
    }
    switch (schema.type) {
      case 'record':
      case 'enum':
      case 'fixed': {
        const named = schema as Named;
        const full = qualify(named, namespace);
        this.byName.set(full, schema);
        const inner = full.includes('.') ? full.slice(0, full.lastIndexOf('.')) : undefined;
        if (schema.type === 'record') for (const field of schema.fields) this.collect(field.type, inner);
        return;
      }
      case 'array':
        this.collect(schema.items, namespace);
        return;
      case 'map':
        this.collect(schema.values, namespace);
        return;
      default:
        return;
    }
  }

  resolve(schema: AvroSchema, namespace?: string): AvroSchema {
    if (typeof schema !== 'string' || PRIMITIVES.has(schema)) return schema;
    return (
      this.byName.get(schema.includes('.') || !namespace ? schema : `${namespace}.${schema}`) ??
      this.byName.get(schema) ??
      schema
    );
  }
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

function qualify(named: Named, namespace?: string): string {
  if (named.name.includes('.')) return named.name;
  const ns = named.namespace ?? namespace;
  return ns ? `${ns}.${named.name}` : named.name;
}

function shortName(name: string): string {
  return name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : name;
}

/** The underlying Avro type name, ignoring logical types. */
function kindOf(schema: AvroSchema): string {
  if (typeof schema === 'string') return schema;
  if (Array.isArray(schema)) return 'union';
  if ('logicalType' in schema) return typeof schema.type === 'string' ? schema.type : 'fixed';
  return schema.type;
}

function describe(schema: AvroSchema): string {
  const kind = kindOf(schema);
  if (typeof schema === 'object' && !Array.isArray(schema)) {
    if ('logicalType' in schema) return `${kind} (${schema.logicalType})`;
    if ('name' in schema && (schema as Named).name) return `${kind} ${(schema as Named).name}`;
  }
  return kind;
}

// Promotions a reader may apply to a writer's primitive (Avro spec, "Schema Resolution").
const PROMOTIONS: Record<string, readonly string[]> = {
  int: ['int', 'long', 'float', 'double'],
  long: ['long', 'float', 'double'],
  float: ['float', 'double'],
  double: ['double'],
  string: ['string', 'bytes'],
  bytes: ['bytes', 'string'],
  boolean: ['boolean'],
  null: ['null'],
};

/**
 * Lists why data written with `writer` cannot be read with `reader` (empty when it can),
 * with the path of each offending field.
 *
 * @example
 * const problems = readerIncompatibilities(newSchema, oldSchema); // BACKWARD: new reads old
 */
export function readerIncompatibilities(reader: AvroSchema, writer: AvroSchema): Incompatibility[] {
  const readerNames = new Names();
  readerNames.collect(reader);
  const writerNames = new Names();
  writerNames.collect(writer);
  const found: Incompatibility[] = [];
  const seen = new Set<string>();
  const visit = (r: AvroSchema, w: AvroSchema, path: string, rns?: string, wns?: string): void => {
    const rs = readerNames.resolve(r, rns);
    const ws = writerNames.resolve(w, wns);
    const rKind = kindOf(rs);
    const wKind = kindOf(ws);
    if (wKind === 'union') {
      for (const branch of ws as AvroSchema[]) {
        if (rKind === 'union') {
          if (!(rs as AvroSchema[]).some((candidate) => readable(candidate, branch, rns, wns))) {
            found.push({
              rule: 'MISSING_UNION_BRANCH',
              path,
              message: `${path}: the writer's union has a ${describe(writerNames.resolve(branch, wns))} branch the reader's union lacks`,
            });
          } else {
            const match = (rs as AvroSchema[]).find((candidate) => readable(candidate, branch, rns, wns));
            if (match !== undefined) visit(match, branch, path, rns, wns);
          }
        } else {
          visit(rs, branch, path, rns, wns);
        }
      }
      return;
    }
    if (rKind === 'union') {
      const match = (rs as AvroSchema[]).find((candidate) => readable(candidate, ws, rns, wns));
      if (match === undefined) {
        found.push({
          rule: 'MISSING_UNION_BRANCH',
          path,
          message: `${path}: the reader's union has no branch for the writer's ${describe(ws)}`,
        });
      } else {
        visit(match, ws, path, rns, wns);
      }
      return;
    }
    if (rKind === 'record' && wKind === 'record') {
      const rr = rs as AvroRecord;
      const wr = ws as AvroRecord;
      const rFull = qualify(rr, rns);
      const wFull = qualify(wr, wns);
      if (!namesMatch(rr, wr, rns, wns)) {
        found.push({
          rule: 'NAME_MISMATCH',
          path,
          message: `${path}: the reader expects record ${rFull} but the writer wrote ${wFull}`,
        });
        return;
      }
      const key = `${rFull}|${wFull}`;
      if (seen.has(key)) return;
      seen.add(key);
      const rInner = rFull.includes('.') ? rFull.slice(0, rFull.lastIndexOf('.')) : undefined;
      const wInner = wFull.includes('.') ? wFull.slice(0, wFull.lastIndexOf('.')) : undefined;
      for (const field of rr.fields) {
        const fieldPath = path ? `${path}.${field.name}` : field.name;
        const writerField = findField(wr.fields, field);
        if (writerField) {
          visit(field.type, writerField.type, fieldPath, rInner, wInner);
        } else if (!('default' in field)) {
          found.push({
            rule: 'READER_FIELD_MISSING_DEFAULT_VALUE',
            path: fieldPath,
            message: `${fieldPath}: the reader requires field "${field.name}", which the writer does not write, and it has no default`,
          });
        }
      }
      return;
    }
    if (rKind === 'enum' && wKind === 'enum') {
      const re = rs as AvroEnum;
      const we = ws as AvroEnum;
      if (!namesMatch(re, we, rns, wns)) {
        found.push({
          rule: 'NAME_MISMATCH',
          path,
          message: `${path}: enum ${qualify(re, rns)} cannot read enum ${qualify(we, wns)}`,
        });
        return;
      }
      const missing = we.symbols.filter((s) => !re.symbols.includes(s));
      if (missing.length > 0 && re.default === undefined) {
        found.push({
          rule: 'MISSING_ENUM_SYMBOLS',
          path,
          message: `${path}: the writer may send ${missing.join(', ')}, which the reader's enum lacks (and it has no default symbol)`,
        });
      }
      return;
    }
    if (rKind === 'array' && wKind === 'array') {
      visit((rs as { items: AvroSchema }).items, (ws as { items: AvroSchema }).items, `${path}[]`, rns, wns);
      return;
    }
    if (rKind === 'map' && wKind === 'map') {
      visit((rs as { values: AvroSchema }).values, (ws as { values: AvroSchema }).values, `${path}{}`, rns, wns);
      return;
    }
    if (rKind === 'fixed' && wKind === 'fixed') {
      const rf = rs as AvroFixed;
      const wf = ws as AvroFixed;
      if (rf.size !== wf.size) {
        found.push({
          rule: 'FIXED_SIZE_MISMATCH',
          path,
          message: `${path}: fixed size ${wf.size} cannot be read as size ${rf.size}`,
        });
      }
      return;
    }
    if (!(PROMOTIONS[wKind] ?? [wKind]).includes(rKind)) {
      found.push({
        rule: 'TYPE_MISMATCH',
        path,
        message: `${path}: the writer wrote ${describe(ws)}, which the reader's ${describe(rs)} cannot read`,
      });
    }
  };
  const readable = (r: AvroSchema, w: AvroSchema, rns?: string, wns?: string): boolean => {
    const rs = readerNames.resolve(r, rns);
    const ws = writerNames.resolve(w, wns);
    const rKind = kindOf(rs);
    const wKind = kindOf(ws);
    if (rKind === 'record' || rKind === 'enum' || rKind === 'fixed') {
      return rKind === wKind && namesMatch(rs as Named, ws as Named, rns, wns);
    }
    if (rKind === 'array' || rKind === 'map') return rKind === wKind;
    return (PROMOTIONS[wKind] ?? [wKind]).includes(rKind);
  };
  visit(reader, writer, '');
  return found.map((i) =>
    i.path === '' ? { ...i, path: '(root)', message: i.message.replace(/^: /, '(root): ') } : i,
  );
}

function namesMatch(reader: Named, writer: Named, rns?: string, wns?: string): boolean {
  const writerFull = qualify(writer, wns);
  if (shortName(qualify(reader, rns)) === shortName(writerFull)) return true;
  return (reader.aliases ?? []).some((alias) => alias === writerFull || shortName(alias) === shortName(writerFull));
}

function findField(fields: readonly AvroField[], readerField: AvroField): AvroField | undefined {
  return (
    fields.find((f) => f.name === readerField.name) ?? fields.find((f) => (readerField.aliases ?? []).includes(f.name))
  );
}

export interface CompatibilityResult {
  readonly compatible: boolean;
  readonly level: CompatibilityLevel;
  /** Each problem with the direction it breaks and the version it breaks against. */
  readonly problems: ReadonlyArray<
    Incompatibility & { readonly direction: 'BACKWARD' | 'FORWARD'; readonly againstVersion: number }
  >;
}

/**
 * The level as the registry names it, whatever its case: a level in another case (or a
 * misspelt one) must never turn the check off by matching none of the rules.
 */
function knownLevel(level: string): CompatibilityLevel {
  const upper = typeof level === 'string' ? level.toUpperCase() : level;
  if (COMPATIBILITY_LEVELS.includes(upper as CompatibilityLevel)) return upper as CompatibilityLevel;
  throw new KbusError(
    'INVALID_CONFIGURATION',
    `compatibility level must be one of ${COMPATIBILITY_LEVELS.join(', ')}, not ${JSON.stringify(level)}`,
  );
}

/**
 * Checks a new schema against earlier versions (oldest first) under a compatibility level:
 * BACKWARD = the new schema reads data written with the previous one; FORWARD = the
 * previous schema reads data written with the new one; FULL = both; *_TRANSITIVE = against
 * every earlier version rather than the latest.
 */
export function checkCompatibility(
  candidate: AvroSchema,
  previous: ReadonlyArray<{ readonly version: number; readonly schema: AvroSchema }>,
  requested: CompatibilityLevel,
): CompatibilityResult {
  const level = knownLevel(requested);
  if (level === 'NONE' || previous.length === 0) return { compatible: true, level, problems: [] };
  const transitive = level.endsWith('_TRANSITIVE');
  const against = transitive ? previous : previous.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const problems: Array<Incompatibility & { direction: 'BACKWARD' | 'FORWARD'; againstVersion: number }> = [];
  for (const { version, schema } of against) {
    if (backward) {
      for (const p of readerIncompatibilities(candidate, schema))
        problems.push({ ...p, direction: 'BACKWARD', againstVersion: version });
    }
    if (forward) {
      for (const p of readerIncompatibilities(schema, candidate))
        problems.push({ ...p, direction: 'FORWARD', againstVersion: version });
    }
  }
  return { compatible: problems.length === 0, level, problems };
}

/** A human sentence for one problem, with the fix most people want. */
export function explain(problem: CompatibilityResult['problems'][number]): string {
  const who =
    problem.direction === 'BACKWARD'
      ? `consumers on the new schema cannot read events written with version ${problem.againstVersion}`
      : `consumers still on version ${problem.againstVersion} cannot read events written with the new schema`;
  const hint: Record<IncompatibilityRule, string> = {
    READER_FIELD_MISSING_DEFAULT_VALUE: 'make the field optional (.optional()) or give it a default (.default(…))',
    TYPE_MISMATCH: 'keep the old type and add a new field with the new type instead',
    MISSING_ENUM_SYMBOLS:
      'do not remove enum symbols that were ever written, or only add new ones after all readers know them',
    MISSING_UNION_BRANCH: 'keep every union branch that was ever written',
    NAME_MISMATCH: 'keep the record name (use .meta({ avroName }) to pin it)',
    FIXED_SIZE_MISMATCH: 'keep the fixed size',
  };
  return `${problem.rule} at ${problem.path}: ${problem.message}; ${who}. Fix: ${hint[problem.rule]}.`;
}
