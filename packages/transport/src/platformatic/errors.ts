import { isTlsErrorCode } from '@kbus/core/internal';
import type { ClientFailure } from '../errors.ts';

interface PlatformaticErrorLike {
  code?: string;
  message?: string;
  apiId?: string;
  canRetry?: boolean;
  errors?: unknown[];
  cause?: unknown;
}

/** Errors of a failed operation: the error itself, then what it aggregates and wraps, breadth first. */
function* tree(error: unknown): Generator<PlatformaticErrorLike> {
  const queue = [error];
  for (let seen = 0; seen < queue.length && seen < 50; seen++) {
    const next = queue[seen] as PlatformaticErrorLike | undefined;
    if (!next || typeof next !== 'object') continue;
    yield next;
    if (Array.isArray(next.errors)) queue.push(...next.errors);
    if (next.cause) queue.push(next.cause);
  }
}

const RETRIABLE_CODES = new Set(['PLT_KFK_NETWORK', 'PLT_KFK_TIMEOUT']);

/**
 * Reads a @platformatic/kafka failure: the broker's protocol error where there is one (its
 * `canRetry` decides), else a network failure or timeout (retriable) or a usage error (not).
 */
export function platformaticFailure(error: unknown): ClientFailure {
  const top = error as PlatformaticErrorLike;
  let protocol: PlatformaticErrorLike | undefined;
  let transient = false;
  let security: ClientFailure['security'];
  let detail: string | undefined;
  let authentication = false;
  for (const e of tree(error)) {
    if (!protocol && typeof e.apiId === 'string') protocol = e;
    if (e.code && RETRIABLE_CODES.has(e.code)) transient = true;
    if (e.code === 'PLT_KFK_AUTHENTICATION') authentication = true;
    // The library notices a TLS listener answering a plain-text client and says so.
    const plainAgainstTls = e.code === 'PLT_KFK_USER' && e.message === 'Broker requires TLS.';
    if (!security && (isTlsErrorCode(e.code) || plainAgainstTls)) {
      security = 'tls';
      detail = plainAgainstTls ? 'the broker requires TLS and ssl is not set' : e.message;
    }
  }
  // SASL over a connection whose TLS failed fails too: the TLS failure is the one to report.
  if (!security && authentication) security = 'authentication';
  if (security) {
    return {
      kafkaType: undefined,
      message: detail ?? protocol?.message ?? top?.message ?? String(error),
      retriable: false,
      clientError: top?.code,
      security,
    };
  }
  const message = top?.message ?? String(error);
  // The library reports a topic its metadata request did not find as a usage error that
  // keeps only the message (the broker's UNKNOWN_TOPIC_OR_PARTITION is not attached).
  const missingTopic = !protocol && top?.code === 'PLT_KFK_USER' && message.startsWith('Unknown topic ');
  return {
    kafkaType: missingTopic ? 'UNKNOWN_TOPIC_OR_PARTITION' : protocol?.apiId,
    message: protocol && protocol !== top ? `${message} (${protocol.apiId}: ${protocol.message})` : message,
    retriable: protocol ? protocol.canRetry === true : transient,
    clientError: top?.code,
    connection: !protocol && transient,
  };
}

/** The connection closed before the broker answered (with SASL, the library reports it as a failed handshake). */
export function closedEarly(error: unknown): boolean {
  for (const e of tree(error)) if (e.code === 'PLT_KFK_NETWORK' && e.message === 'Connection closed') return true;
  return false;
}
