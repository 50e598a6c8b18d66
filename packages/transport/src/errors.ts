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

/**
 * Maps a kafkajs error to a KbusError, keeping kafkajs's `retriable` judgement and its
 * protocol error type (`details.kafkaType`). The original is the `cause`.
 */
export function fromClientError(error: unknown, what: string, fallback: ErrorCode = 'KAFKA_ERROR'): KbusError {
  if (isKbusError(error)) return error;
  const original = error as KafkaJsErrorLike;
  const inner = innermost(error);
  const type = inner.type ?? original.type;
  const message = inner.message ?? original.message ?? String(error);
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
  // A request that exhausted its retries carries the last cause's judgement: the operation
  // may still succeed later (a broker came back), so callers may try again.
  const retriable =
    original.name === 'KafkaJSNumberOfRetriesExceeded' ? (inner.retriable ?? true) : (original.retriable ?? false);
  return new KbusError(fallback, `${what}: ${message}`, {
    cause: error,
    retriable,
    details: { ...(type ? { kafkaType: type } : {}), kafkaError: original.name },
  });
}
