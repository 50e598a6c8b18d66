/** The SDK's error funnel: a client failure, whichever library reported it, becomes a KbusError here. */
import { type ErrorCode, isKbusError, KbusError } from '@kbus/core';

/** Protocol errors that mean "this member's generation is over": the partitions are no longer ours. */
const OWNERSHIP_LOST = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'FENCED_INSTANCE_ID',
]);

/** True when a commit or heartbeat failed because the group moved to a new generation. */
export function isOwnershipLost(error: unknown): boolean {
  const type = (error as { type?: string } | undefined)?.type;
  if (type && OWNERSHIP_LOST.has(type)) return true;
  return isKbusError(error, 'PARTITION_REVOKED');
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
  /** The connection was refused before any request: SASL authentication or the TLS handshake failed. */
  readonly security?: 'authentication' | 'tls';
}
/** What an operation touched, so that a refusal by the broker's authorizer can name it. */
export interface FailureResource {
  readonly topics?: readonly string[];
  readonly group?: string;
  readonly transactionalId?: string;
}

/** What a failure message can name: the resource an operation touched and the brokers it used. */
export interface FailureContext extends FailureResource {
  readonly brokers?: readonly string[];
}

/** Kafka's authorization errors, and what each one is about. */
const AUTHORIZATION: Readonly<Record<string, (r: FailureResource) => { type: string; name?: string }>> = {
  TOPIC_AUTHORIZATION_FAILED: (r) => ({ type: 'topic', ...(r.topics?.length ? { name: r.topics.join(', ') } : {}) }),
  GROUP_AUTHORIZATION_FAILED: (r) => ({ type: 'group', ...(r.group ? { name: r.group } : {}) }),
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: (r) => ({
    type: 'transactional id',
    ...(r.transactionalId ? { name: r.transactionalId } : {}),
  }),
  CLUSTER_AUTHORIZATION_FAILED: () => ({ type: 'cluster' }),
};

/** What to grant, where the resource alone does not say it. */
const GRANT_HINT: Readonly<Record<string, string>> = {
  // KIP-679: an idempotent producer's IDEMPOTENT_WRITE on the cluster follows from WRITE on any topic.
  CLUSTER_AUTHORIZATION_FAILED:
    'an idempotent producer needs WRITE on the topics it sends to (or IDEMPOTENT_WRITE on the cluster); creating topics needs CREATE',
};

function securityError(
  failure: ClientFailure,
  error: unknown,
  what: string,
  resource: FailureResource,
): KbusError | undefined {
  const { kafkaType: type, message } = failure;
  if (failure.security === 'authentication') {
    return new KbusError(
      'AUTHENTICATION_FAILED',
      `${what}: the broker refused the SASL authentication (${message}); check sasl: the mechanism, the user name and password, or the token provider`,
      { cause: error, retriable: false, details: { kafkaError: failure.clientError } },
    );
  }
  if (failure.security === 'tls') {
    return new KbusError(
      'TLS_FAILED',
      `${what}: the TLS connection to the broker failed (${message}); check ssl: the CA that signed the broker's certificate (ssl.ca), the name it carries (ssl.servername), a client certificate if the listener requires one, and that the listener speaks TLS`,
      { cause: error, retriable: false, details: { kafkaError: failure.clientError } },
    );
  }
  const about = type ? AUTHORIZATION[type] : undefined;
  if (type && about) {
    const target = about(resource);
    const named = target.name ? `${target.type} ${target.name}` : `the ${target.type}`;
    return new KbusError(
      'AUTHORIZATION_FAILED',
      `${what}: not authorized on ${named} (${type}); grant this client's principal an ACL for that ${target.type} and operation${GRANT_HINT[type] ? ` (${GRANT_HINT[type]})` : ''}`,
      {
        cause: error,
        retriable: false,
        details: { kafkaType: type, resourceType: target.type, ...(target.name ? { resource: target.name } : {}) },
      },
    );
  }
  return undefined;
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
  context: FailureContext = {},
): KbusError {
  const security = securityError(failure, error, what, context);
  if (security) return security;
  const { brokers } = context;
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
 * A connection closed at its first request, from a client without TLS: what a TLS listener
 * does to plain text (neither library can tell it from a broker going down at that moment,
 * so it stays retriable and says both).
 */
export function closedAtFirstRequest(error: unknown, what: string): KbusError {
  return new KbusError(
    'TLS_FAILED',
    `${what}: the broker closed the connection at the first request, as a TLS listener does to a plain-text client; if the listener is SSL or SASL_SSL, set ssl (and sasl). Retried in case the broker was restarting`,
    { cause: error, retriable: true },
  );
}
