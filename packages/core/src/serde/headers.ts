import type { EnvelopeMetadata } from '../contracts/event.ts';

/**
 * Record headers that let any consumer route or filter without decoding the value. Names
 * follow the CloudEvents Kafka protocol binding (`ce_` prefix) where CloudEvents has the
 * attribute; correlation and causation are CloudEvents-style extension attributes.
 */
export const EVENT_HEADERS = {
  specVersion: 'ce_specversion',
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  time: 'ce_time',
  /** The aggregate id (CloudEvents `subject`: what the event is about). */
  subject: 'ce_subject',
  correlationId: 'ce_correlationid',
  causationId: 'ce_causationid',
  contentType: 'content-type',
} as const;

/** Content type of a value: an Avro envelope in the Confluent wire format. */
export const ENVELOPE_CONTENT_TYPE = 'application/vnd.kbus.envelope+avro';

/**
 * Which headers a record carries. `essential` (default): `ce_id` and `ce_type` (enough to
 * route, filter and de-duplicate without decoding), plus `ce_correlationid` when it is not
 * the event's own id and `ce_causationid` when there is one. `cloudevents`: also
 * `ce_specversion`, `ce_source`, `ce_time`, `ce_subject` (the aggregate id) and
 * `content-type`. `none`: no headers (like Spring's `ADD_TYPE_INFO_HEADERS=false`): the
 * cheapest to send, but consumers must decode a record to learn its type, including types
 * they ignore, and header-based routing sees nothing. Everything is in the envelope either
 * way; each header costs the Kafka client a buffer per record, which is why the default is
 * short.
 */
export type HeaderSet = 'essential' | 'cloudevents' | 'none';

/** The accepted HeaderSet values, for checking options from untyped JavaScript. */
export const HEADER_SETS: readonly HeaderSet[] = ['essential', 'cloudevents', 'none'];

/** The headers for one event. */
export function envelopeHeaders(metadata: EnvelopeMetadata, set: HeaderSet = 'essential'): Record<string, string> {
  if (set === 'none') return {};
  const headers: Record<string, string> = {
    [EVENT_HEADERS.id]: metadata.id,
    [EVENT_HEADERS.type]: metadata.type,
  };
  if (metadata.correlationId !== metadata.id) headers[EVENT_HEADERS.correlationId] = metadata.correlationId;
  if (metadata.causationId) headers[EVENT_HEADERS.causationId] = metadata.causationId;
  if (set === 'cloudevents') {
    headers[EVENT_HEADERS.specVersion] = '1.0';
    headers[EVENT_HEADERS.source] = metadata.source;
    headers[EVENT_HEADERS.time] = metadata.occurredAt.toISOString();
    headers[EVENT_HEADERS.subject] = metadata.aggregateId;
    headers[EVENT_HEADERS.contentType] = ENVELOPE_CONTENT_TYPE;
  }
  return headers;
}

/** Reads a header value as a string, whatever form the Kafka client gave it in. */
export function headerString(headers: Readonly<Record<string, unknown>> | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return headerString({ v: value[value.length - 1] }, 'v');
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  return String(value);
}
