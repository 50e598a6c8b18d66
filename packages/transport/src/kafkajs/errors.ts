/** How kafkajs's errors read: its classes, protocol types and retry wrappers, mapped through `toKbusError`. */
import { type ErrorCode, isKbusError, type KbusError } from '@kbus/core';
import { isTlsErrorCode } from '@kbus/core/internal';
import { type ClientFailure, type FailureContext, toKbusError } from '../errors.ts';

interface KafkaJsErrorLike {
  name?: string;
  type?: string;
  message?: string;
  retriable?: boolean;
  cause?: unknown;
}

/** The innermost kafkajs error (retry wrappers keep the original as `cause`). */
function innermost(error: unknown): KafkaJsErrorLike {
  let current = error as KafkaJsErrorLike;
  for (let depth = 0; depth < 5 && current?.cause && typeof current.cause === 'object'; depth++) {
    const next = current.cause as KafkaJsErrorLike;
    if (!next.name?.startsWith('KafkaJS')) break;
    current = next;
  }
  return current;
}

/** kafkajs errors that mean a broker gave no usable answer, rather than a Kafka error answer. */
const CONNECTION_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
]);

/**
 * kafkajs 2.2.4 reports a broker whose handshake failed (it accepted the connection and
 * then said nothing, or something that is not Kafka) as a plain `Error('Broker not
 * connected')`, with no class or flag of its own: recognised by that text, the only signal.
 */
const NOT_CONNECTED = 'Broker not connected';

function isConnectionFailure(error: KafkaJsErrorLike | undefined): boolean {
  if (!error) return false;
  return CONNECTION_ERRORS.has(error.name ?? '') || (error.name === 'Error' && error.message === NOT_CONNECTED);
}

/** SASL or TLS failures somewhere in a kafkajs error's chain. */
function kafkaJsSecurity(error: unknown): ClientFailure['security'] {
  let current = error as (KafkaJsErrorLike & { code?: unknown }) | undefined;
  for (let depth = 0; depth < 6 && current && typeof current === 'object'; depth++) {
    if (current.name === 'KafkaJSSASLAuthenticationError') return 'authentication';
    if (isTlsErrorCode(current.code)) return 'tls';
    current = current.cause as typeof current;
  }
  return undefined;
}

/**
 * Maps a kafkajs error to a KbusError, keeping kafkajs's `retriable` judgement and its
 * protocol error type (`details.kafkaType`). The original is the `cause`.
 */
export function fromClientError(
  error: unknown,
  what: string,
  fallback: ErrorCode = 'KAFKA_ERROR',
  context: FailureContext = {},
): KbusError {
  if (isKbusError(error)) return error;
  const original = error as KafkaJsErrorLike & { errors?: KafkaJsErrorLike[] };
  // Per-topic answers (createTopics) come as an aggregate: its first protocol error speaks for it.
  const inner = original.errors?.find((e) => e?.type) ?? innermost(error);
  const security = kafkaJsSecurity(error);
  // A request that exhausted its retries carries the last cause's judgement: the operation
  // may still succeed later (a broker came back), so callers may try again.
  const retriable =
    original.name === 'KafkaJSNumberOfRetriesExceeded' ? (inner.retriable ?? true) : (original.retriable ?? false);
  return toKbusError(
    {
      kafkaType: inner.type ?? original.type,
      message: inner.message ?? original.message ?? String(error),
      retriable,
      clientError: original.name,
      connection: isConnectionFailure(inner) || isConnectionFailure(original),
      ...(security ? { security } : {}),
    },
    error,
    what,
    fallback,
    context,
  );
}
