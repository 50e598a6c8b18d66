import { randomUUID } from 'node:crypto';
import { KbusError, ValidationError } from '../errors.ts';
import {
  type AnyEventDefinition,
  type EventEnvelope,
  type PayloadInput,
  type PayloadOf,
  parsePayload,
} from './event.ts';
import { malformedStrings } from './well-formed.ts';

export interface EnvelopeOptions {
  /** The aggregate id (record key). Default: the event's `aggregateId(payload)`. */
  readonly aggregateId?: string;
  /** The producing service. */
  readonly source: string;
  /** Default: the new event's own id (it starts a conversation). */
  readonly correlationId?: string;
  readonly causationId?: string;
  /** Default: a random UUID. Pass a stable id to make re-publishing idempotent for consumers. */
  readonly id?: string;
  /** Default: now. */
  readonly occurredAt?: Date;
}

/**
 * Validates a payload (throwing `ValidationError` with field paths) and wraps it in an
 * envelope with its metadata filled in.
 *
 * @example
 * const envelope = createEnvelope(UserAccountCreated, payload, { source: 'auth-service' });
 */
export function createEnvelope<E extends AnyEventDefinition>(
  event: E,
  payload: PayloadInput<E>,
  options: EnvelopeOptions,
): EventEnvelope<E['type'], PayloadOf<E>> {
  const parsed = parsePayload(event, payload);
  const aggregateId = options.aggregateId ?? event.aggregateId?.(parsed);
  if (typeof aggregateId !== 'string' || aggregateId.length === 0) {
    throw new KbusError(
      'INVALID_CONFIGURATION',
      `no aggregate id for a "${event.type}" event: pass { aggregateId } or declare aggregateId: (payload) => … in defineEvent`,
      { details: { eventType: event.type } },
    );
  }
  const id = options.id ?? randomUUID();
  const envelope: EventEnvelope<E['type'], PayloadOf<E>> = {
    id,
    type: event.type,
    version: event.version,
    occurredAt: options.occurredAt ?? new Date(),
    source: options.source,
    aggregateId,
    correlationId: options.correlationId ?? id,
    causationId: options.causationId ?? null,
    payload: parsed,
  };
  // Every string the envelope encodes, metadata and payload alike, before any I/O.
  const malformed = malformedStrings(envelope);
  if (malformed.length > 0) throw new ValidationError(event.type, malformed);
  return envelope;
}
