import { EVENT_HEADERS, isKbusError } from '@kbus/core';
import { avroType, headerString, type RegistryClient, readSchemaId, WIRE_HEADER_SIZE } from '@kbus/core/internal';

type AvroType = ReturnType<typeof avroType>;

/** A record value as the CLI shows it. */
export type DecodedValue =
  | {
      /** A kbus envelope: its metadata and payload. */
      readonly kind: 'envelope';
      readonly schemaId: number;
      readonly record: string | undefined;
      readonly type: string;
      readonly envelope: Readonly<Record<string, unknown>>;
      readonly payload: unknown;
    }
  | {
      /** Another Confluent wire-format Avro value: the whole record is the payload. */
      readonly kind: 'avro';
      readonly schemaId: number;
      readonly record: string | undefined;
      readonly type: string | undefined;
      readonly payload: unknown;
    }
  | {
      /** Not decodable: why, and the bytes as they are. */
      readonly kind: 'undecodable';
      readonly code: string;
      readonly reason: string;
      readonly bytes: Buffer | null;
    };

const ENVELOPE_FIELDS = ['id', 'type', 'version', 'payload'] as const;

interface Writer {
  readonly type: AvroType;
  readonly record: string | undefined;
  readonly isEnvelope: boolean;
}

function recordName(schema: unknown): string | undefined {
  const s = schema as { type?: unknown; name?: unknown; namespace?: unknown };
  if (s?.type !== 'record' || typeof s.name !== 'string') return undefined;
  return s.name.includes('.') || typeof s.namespace !== 'string' ? s.name : `${s.namespace}.${s.name}`;
}

/**
 * Decodes any Confluent wire-format Avro value with the writer's schema from the registry
 * (kbus envelopes and records written by other producers alike). Anything else — no magic
 * byte, an unknown schema id, bytes the schema does not read — comes back as `undecodable`
 * with the reason; nothing is dropped.
 */
export class ValueDecoder {
  private readonly writers = new Map<number, Promise<Writer>>();

  private readonly registry: RegistryClient;

  constructor(registry: RegistryClient) {
    this.registry = registry;
  }

  async decode(bytes: Buffer | null): Promise<DecodedValue> {
    let schemaId: number;
    try {
      schemaId = readSchemaId(bytes);
    } catch (error) {
      return undecodable(error, bytes);
    }
    const buffer = bytes as Buffer;
    let writer: Writer;
    try {
      writer = await this.writer(schemaId);
    } catch (error) {
      return undecodable(error, buffer);
    }
    let value: unknown;
    try {
      const result = writer.type.decode(buffer, WIRE_HEADER_SIZE);
      if (result.offset < 0) throw new Error('truncated value');
      if (result.offset !== buffer.length) throw new Error(`trailing data (${buffer.length - result.offset} bytes)`);
      value = result.value;
    } catch (error) {
      return {
        kind: 'undecodable',
        code: 'DECODE_FAILED',
        reason: `the bytes do not decode with schema id ${schemaId} (${writer.record ?? 'not a record'}): ${(error as Error).message}`,
        bytes: buffer,
      };
    }
    if (writer.isEnvelope) {
      const envelope = { ...(value as Record<string, unknown>) };
      const payload = envelope.payload;
      delete envelope.payload;
      return { kind: 'envelope', schemaId, record: writer.record, type: String(envelope.type), envelope, payload };
    }
    return { kind: 'avro', schemaId, record: writer.record, type: writer.record, payload: value };
  }

  private writer(schemaId: number): Promise<Writer> {
    let pending = this.writers.get(schemaId);
    if (!pending) {
      pending = this.registry.schemaById(schemaId).then((text) => {
        const schema = JSON.parse(text) as { fields?: Array<{ name?: string }> };
        const fields = new Set((schema.fields ?? []).map((f) => f.name));
        return {
          type: avroType(schema),
          record: recordName(schema),
          isEnvelope: ENVELOPE_FIELDS.every((f) => fields.has(f)),
        };
      });
      this.writers.set(schemaId, pending);
      pending.catch(() => this.writers.delete(schemaId));
    }
    return pending;
  }
}

function undecodable(error: unknown, bytes: Buffer | null): DecodedValue {
  return {
    kind: 'undecodable',
    code: isKbusError(error) ? error.code : 'DECODE_FAILED',
    reason: (error as Error)?.message ?? String(error),
    bytes,
  };
}

/** The event type a record says it has: the decoded envelope's, else the `ce_type` header, else the record name. */
export function typeOf(decoded: DecodedValue, headers: Readonly<Record<string, unknown>>): string | undefined {
  if (decoded.kind !== 'undecodable' && decoded.type) return decoded.type;
  return headerString(headers, EVENT_HEADERS.type);
}

/** Bytes for people: UTF-8 when printable, else hex (first 64 bytes). */
export function previewBytes(bytes: Buffer | null): string {
  if (!bytes) return '(null)';
  const text = bytes.toString('utf8');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: detecting control bytes is the point
  if (!/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(text))
    return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
  const hex = bytes.subarray(0, 64).toString('hex');
  return `0x${hex}${bytes.length > 64 ? `… (${bytes.length} bytes)` : ''}`;
}
