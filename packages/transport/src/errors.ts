import { type ErrorCode, isKbusError, KbusError } from '@kbus/core';

interface KafkaJsErrorLike {
  name?: string;
  type?: string;
  message?: string;
  retriable?: boolean;
  cause?: unknown;
}

/** Protocol errors that mean "this member's generation is over": the partitions are no longer ours. */
const OWNERSHIP_LOST = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'FENCED_INSTANCE_ID',
]);

/** True when a commit or heartbeat failed because the group moved to a new generation. */
export function isOwnershipLost(error: unknown): boolean {
  const type = (error as KafkaJsErrorLike)?.type;
  if (type && OWNERSHIP_LOST.has(type)) return true;
  return isKbusError(error, 'PARTITION_REVOKED');
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

/** What the SDK needs to know of a client library's failure, whichever library it came from. */
export interface ClientFailure {
  /** Kafka's protocol error name (UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS…), when the broker answered one. */
  readonly kafkaType: string | undefined;
  readonly message: string;
  /** The client's judgement: trying the same operation again may succeed. */
  readonly retriable: boolean;
  /** The client's own error class or code, kept in `details.kafkaError`. */
  readonly clientError: string | undefined;
  /** No usable answer from a broker (refused, closed, timed out, not speaking Kafka). */
  readonly connection?: boolean;
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

/**
 * Turns a classified client failure into a KbusError: a missing topic and a lost group
 * generation get their own codes, everything else `fallback` with the client's `retriable`
 * judgement. The original error is the `cause`.
 */
export function toKbusError(
  failure: ClientFailure,
  error: unknown,
  what: string,
  fallback: ErrorCode = 'KAFKA_ERROR',
  brokers?: readonly string[],
): KbusError {
  const { kafkaType: type, message } = failure;
  if (failure.connection && !type) {
    const where = brokers?.length ? ` at ${brokers.join(', ')}` : '';
    return new KbusError(
      fallback,
      `${what}: no usable answer from the Kafka broker(s)${where} (${message}); check that the address is a Kafka ` +
        'listener reachable from here (and its security protocol: PLAINTEXT, SSL, SASL)',
      {
        cause: error,
        // The broker may come back or finish starting: trying again later may work.
        retriable: true,
        details: { kafkaError: failure.clientError, ...(brokers ? { brokers: [...brokers] } : {}) },
      },
    );
  }
  if (type === 'UNKNOWN_TOPIC_OR_PARTITION') {
    return new KbusError('TOPIC_NOT_FOUND', `${what}: the topic does not exist on the cluster (${message})`, {
      cause: error,
      retriable: false,
      details: { kafkaType: type },
    });
  }
  if (type && OWNERSHIP_LOST.has(type)) {
    return new KbusError(
      'PARTITION_REVOKED',
      `${what}: the group rebalanced and this member lost its partitions (${type})`,
      {
        cause: error,
        retriable: false,
        details: { kafkaType: type },
      },
    );
  }
  return new KbusError(fallback, `${what}: ${message}`, {
    cause: error,
    retriable: failure.retriable,
    details: { ...(type ? { kafkaType: type } : {}), kafkaError: failure.clientError },
  });
}

/**
 * Maps a kafkajs error to a KbusError, keeping kafkajs's `retriable` judgement and its
 * protocol error type (`details.kafkaType`). The original is the `cause`.
 */
export function fromClientError(
  error: unknown,
  what: string,
  fallback: ErrorCode = 'KAFKA_ERROR',
  brokers?: readonly string[],
): KbusError {
  if (isKbusError(error)) return error;
  const original = error as KafkaJsErrorLike;
  const inner = innermost(error);
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
    },
    error,
    what,
    fallback,
    brokers,
  );
}
