/**
 * Every error the SDK raises is a `KbusError` with a `code` from this closed list, a
 * `retriable` flag, and the underlying `cause`. Failure policy (retry, dead letter, fail
 * start-up) is decided on `code`/`retriable`, never on message text.
 */
export type ErrorCode =
  /** A payload failed its zod schema; `details.issues` has the field paths. Nothing was sent. */
  | 'VALIDATION_FAILED'
  /** A zod construct has no faithful Avro form; raised when the event is defined. */
  | 'UNSUPPORTED_SCHEMA'
  /** A schema change would break readers or writers under the subject's compatibility level. */
  | 'SCHEMA_INCOMPATIBLE'
  /** The schema registry could not be reached or answered 5xx. */
  | 'REGISTRY_UNAVAILABLE'
  /** The schema registry rejected a request (4xx other than "not found"). */
  | 'REGISTRY_REJECTED'
  /** A record names a schema id the registry does not know. */
  | 'UNKNOWN_SCHEMA_ID'
  /** A record does not start with the Confluent wire-format magic byte 0. */
  | 'BAD_MAGIC_BYTE'
  /** A record's bytes could not be decoded with its writer schema (truncated, trailing or garbage bytes). */
  | 'DECODE_FAILED'
  /** A record carries an event type the reader does not declare for that topic. */
  | 'UNKNOWN_EVENT_TYPE'
  /** A valid payload could not be encoded (for example a bigint outside the 64-bit range). */
  | 'ENCODE_FAILED'
  /** Options that cannot work; raised at start-up with what to change. */
  | 'INVALID_CONFIGURATION'
  /** An operation on a client that was closed. */
  | 'CLIENT_CLOSED'
  /** The topic does not exist on the cluster. */
  | 'TOPIC_NOT_FOUND'
  /** A declared topic exists with other settings than declared. */
  | 'TOPIC_MISMATCH'
  /** The publisher's buffer is full and it was told to fail fast. */
  | 'BUFFER_FULL'
  /** The broker did not acknowledge, or the producer gave up after its retries. */
  | 'PUBLISH_FAILED'
  /** A bounded wait ran out. */
  | 'TIMEOUT'
  /** A handler threw or rejected; `retriable` says whether to try again. */
  | 'HANDLER_FAILED'
  /** The consumer no longer owns the partition (rebalance); its commit was refused. */
  | 'PARTITION_REVOKED'
  /** A consumer group operation needs the group to be empty. */
  | 'GROUP_ACTIVE'
  /** The broker refused the SASL credentials (user name and password, or token). Not retriable. */
  | 'AUTHENTICATION_FAILED'
  /** The broker's authorizer refused an operation; `details.resourceType` / `resource` name what needs an ACL. */
  | 'AUTHORIZATION_FAILED'
  /** The TLS handshake failed: an unknown CA, a name mismatch, a missing client certificate, or plain text against TLS. */
  | 'TLS_FAILED'
  /** Any other error from the Kafka client. */
  | 'KAFKA_ERROR'
  /** The outbox's PostgreSQL database could not be reached or failed a query; retriable. */
  | 'DATABASE_UNAVAILABLE';

import { redact, redactValue, scrubError } from './redact.ts';

const BRAND = Symbol.for('kbus.error');

export interface KbusErrorOptions {
  readonly retriable?: boolean;
  readonly cause?: unknown;
  readonly details?: Readonly<Record<string, unknown>>;
}

export class KbusError extends Error {
  override readonly name: string = 'KbusError';
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: KbusErrorOptions = {}) {
    // No secret leaves the SDK in an error: its message (and so its stack), details and
    // causes are redacted once, here.
    if (options.cause !== undefined) scrubError(options.cause);
    super(redact(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.details = options.details ? (redactValue(options.details) as Readonly<Record<string, unknown>>) : {};
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** One failed check of a payload: where (`path`) and what (`message`). */
export interface ValidationIssue {
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
  readonly code: string;
}

export class ValidationError extends KbusError {
  override readonly name = 'ValidationError';
  readonly issues: readonly ValidationIssue[];

  constructor(eventType: string, issues: readonly ValidationIssue[], cause?: unknown) {
    const listed = issues
      .slice(0, 5)
      .map((i) => `${formatPath(i.path)}: ${i.message}`)
      .join('; ');
    super(
      'VALIDATION_FAILED',
      `payload of "${eventType}" is invalid: ${listed}${issues.length > 5 ? ` (and ${issues.length - 5} more)` : ''}`,
      { retriable: false, cause, details: { eventType, issues } },
    );
    this.issues = issues;
  }
}

export function formatPath(path: ReadonlyArray<string | number | symbol>): string {
  if (path.length === 0) return '(root)';
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

/**
 * Type guard that works across copies of the package (no `instanceof`), optionally for
 * one code.
 *
 * @example
 * try { await publisher.publish(UserCreated, payload) }
 * catch (e) { if (isKbusError(e, 'VALIDATION_FAILED')) console.log(e.details.issues) }
 */
export function isKbusError(error: unknown, code?: ErrorCode): error is KbusError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as Record<symbol, unknown>)[BRAND] === true &&
    (code === undefined || (error as KbusError).code === code)
  );
}

/** Node's TLS failures: OpenSSL's certificate verification codes and its ERR_SSL_* / ERR_TLS_* errors. */
const TLS_CODE =
  /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED|SELF_SIGNED_CERT|INVALID_CA|HOSTNAME_MISMATCH)/;

/** True for the `code` of a Node error that a failed TLS handshake or certificate check raised. */
export function isTlsErrorCode(code: unknown): boolean {
  return typeof code === 'string' && TLS_CODE.test(code);
}
