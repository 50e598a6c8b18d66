import type avro from 'avsc';
import type * as z from 'zod';
import { type Convert, zodToAvro } from '../avro/from-zod.ts';
import { avroType } from '../avro/logical-types.ts';
import { type AvroRecord, isAvroName, pascalCase, stableStringify } from '../avro/schema.ts';
import { KbusError, ValidationError, type ValidationIssue } from '../errors.ts';

/** The metadata every event carries next to its payload. */
export interface EnvelopeMetadata<TType extends string = string> {
  /** Unique id of this event (a UUID); consumers de-duplicate on it. */
  readonly id: string;
  readonly type: TType;
  /** Version of the event's declaration that wrote it. */
  readonly version: number;
  /** When the fact happened (not when it was published). */
  readonly occurredAt: Date;
  /** The service that produced it. */
  readonly source: string;
  /** Id of the aggregate (e.g. the user account); also the record key. */
  readonly aggregateId: string;
  /** Shared by every event of one conversation; the first event's id when none was given. */
  readonly correlationId: string;
  /** Id of the event that caused this one, if any. */
  readonly causationId: string | null;
}

/** An event as it travels: metadata plus the typed payload. */
export interface EventEnvelope<TType extends string = string, TPayload = unknown> extends EnvelopeMetadata<TType> {
  readonly payload: TPayload;
}

export interface DefineEventOptions<TType extends string, TSchema extends z.ZodObject> {
  /** Stable event type, e.g. `user-account.created`. */
  readonly type: TType;
  /** Version of this declaration (1, 2, …); versions of one type live side by side. */
  readonly version: number;
  readonly schema: TSchema;
  /** Avro namespace, e.g. `com.acme.auth`. Default `kbus.events`. */
  readonly namespace?: string;
  /** Avro record name of the envelope. Default: the type in PascalCase (`UserAccountCreated`). */
  readonly name?: string;
  readonly description?: string;
  /** How to read the aggregate id (the record key) from a payload. */
  readonly aggregateId?: (payload: z.output<TSchema>) => string;
  /** The version this one replaces, for local compatibility checks. */
  readonly previous?: AnyEventDefinition & { readonly type: TType };
}

/** Internal: what serialization needs, built once at definition. */
export interface EventCodec {
  readonly envelopeType: avro.Type;
  readonly toAvro: Convert;
  readonly fromAvro: Convert;
}

export interface EventDefinition<TType extends string = string, TSchema extends z.ZodObject = z.ZodObject> {
  readonly kind: 'kbus.event';
  readonly type: TType;
  readonly version: number;
  readonly schema: TSchema;
  readonly namespace: string;
  /** Avro record name of the envelope, unqualified. */
  readonly name: string;
  /** `namespace.name`: identifies the event in the registry and in decoding. */
  readonly fullName: string;
  readonly description: string | undefined;
  readonly aggregateId: ((payload: z.output<TSchema>) => string) | undefined;
  readonly previous: (AnyEventDefinition & { readonly type: TType }) | undefined;
  /** The payload's Avro record. */
  readonly payloadSchema: AvroRecord;
  /** The registered Avro schema: the envelope record carrying the payload. */
  readonly envelopeSchema: AvroRecord;
  /** `envelopeSchema` as byte-stable JSON text. */
  readonly envelopeSchemaText: string;
  /** @internal */
  readonly codec: EventCodec;
}

// biome-ignore lint/suspicious/noExplicitAny: variance: any event definition, whatever its schema.
export type AnyEventDefinition = EventDefinition<string, any>;

/** What a publisher accepts for an event (zod input: before defaults). */
export type PayloadInput<E extends AnyEventDefinition> = z.input<E['schema']>;
/** What a handler receives for an event (zod output). */
export type PayloadOf<E extends AnyEventDefinition> = z.output<E['schema']>;
/** The decoded envelope of an event. */
export type EnvelopeOf<E extends AnyEventDefinition> = EventEnvelope<E['type'], PayloadOf<E>>;

const DEFAULT_NAMESPACE = 'kbus.events';

/** The envelope record for a payload record; field names follow the CloudEvents vocabulary where it has one. */
function envelopeFor(name: string, namespace: string, payloadRecord: AvroRecord, doc: string | undefined): AvroRecord {
  // The payload record inherits the envelope's namespace; stating it again is noise that
  // registries strip.
  const { namespace: _same, ...payload } = payloadRecord;
  return {
    type: 'record',
    name,
    namespace,
    ...(doc ? { doc } : {}),
    fields: [
      { name: 'id', type: { type: 'string', logicalType: 'uuid' }, doc: 'Unique event id' },
      { name: 'type', type: 'string', doc: 'Event type' },
      { name: 'version', type: 'int', doc: 'Version of the event declaration' },
      { name: 'occurredAt', type: { type: 'long', logicalType: 'timestamp-millis' }, doc: 'When it happened' },
      { name: 'source', type: 'string', doc: 'Producing service' },
      { name: 'aggregateId', type: 'string', doc: 'Aggregate id; the record key' },
      { name: 'correlationId', type: 'string', doc: 'Conversation id' },
      { name: 'causationId', type: ['null', 'string'], default: null, doc: 'Id of the causing event' },
      { name: 'payload', type: payload },
    ],
  };
}

/**
 * Declares an event type once: the zod schema gives the TypeScript type and runtime
 * validation, and the Avro schema is derived from it (failing here, with the field path,
 * for anything Avro cannot express faithfully).
 *
 * @example
 * export const UserAccountCreated = defineEvent({
 *   type: 'user-account.created',
 *   version: 1,
 *   namespace: 'com.acme.auth',
 *   schema: z.object({ accountId: z.uuid(), email: z.email(), createdAt: z.date() }),
 *   aggregateId: (p) => p.accountId,
 * });
 */
export function defineEvent<const TType extends string, TSchema extends z.ZodObject>(
  options: DefineEventOptions<TType, TSchema>,
): EventDefinition<TType, TSchema> {
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const name = options.name ?? pascalCase(options.type);
  if (!options.type)
    throw new KbusError('INVALID_CONFIGURATION', 'defineEvent: `type` is required, e.g. "user-account.created"');
  if (!Number.isInteger(options.version) || options.version < 1) {
    throw new KbusError(
      'INVALID_CONFIGURATION',
      `defineEvent("${options.type}"): version must be a positive integer, got ${options.version}`,
    );
  }
  if (!isAvroName(name)) {
    throw new KbusError(
      'INVALID_CONFIGURATION',
      `defineEvent("${options.type}"): "${name}" is not a valid Avro record name; pass \`name\``,
    );
  }
  if (!namespace.split('.').every(isAvroName)) {
    throw new KbusError(
      'INVALID_CONFIGURATION',
      `defineEvent("${options.type}"): "${namespace}" is not a valid Avro namespace`,
    );
  }
  if (options.previous && options.previous.type !== options.type) {
    throw new KbusError(
      'INVALID_CONFIGURATION',
      `defineEvent("${options.type}"): previous is a "${options.previous.type}" event`,
    );
  }
  const mapping = zodToAvro(options.schema, {
    namespace,
    name: `${name}Payload`,
    ...(options.description ? { doc: options.description } : {}),
  });
  const envelopeSchema = envelopeFor(name, namespace, mapping.schema, options.description);
  return Object.freeze({
    kind: 'kbus.event',
    type: options.type,
    version: options.version,
    schema: options.schema,
    namespace,
    name,
    fullName: `${namespace}.${name}`,
    description: options.description,
    aggregateId: options.aggregateId,
    previous: options.previous,
    payloadSchema: mapping.schema,
    envelopeSchema,
    envelopeSchemaText: stableStringify(envelopeSchema),
    codec: { envelopeType: avroType(envelopeSchema), toAvro: mapping.toAvro, fromAvro: mapping.fromAvro },
  });
}

function issuesOf(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    message: issue.message,
    code: issue.code,
  }));
}

/**
 * Validates a payload against its event's zod schema and returns zod's output (defaults
 * applied). Throws `ValidationError` with every failing field path.
 */
export function parsePayload<E extends AnyEventDefinition>(event: E, payload: unknown): PayloadOf<E> {
  const result = event.schema.safeParse(payload);
  if (!result.success) throw new ValidationError(event.type, issuesOf(result.error), result.error);
  return result.data as PayloadOf<E>;
}
