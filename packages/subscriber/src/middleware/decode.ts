import { EVENT_HEADERS, type Serde } from '@kbus/core';
import { headerString } from '@kbus/core/internal';
import type { InboundMessage, Middleware } from '../types.ts';

/**
 * Decodes the record with the registry (writer schema) and the topic's declaration (reader
 * schema). Records of a declared type that this subscriber skips are recognised by their
 * `ce_type` header and not decoded at all; without that header (a producer that sends no
 * headers) they are recognised once decoded. Decode failures are not retriable (they go to
 * the dead-letter topic), except an unreachable registry, which is.
 */
export function decode(serde: Serde, skips: ((type: string) => boolean) | undefined): Middleware {
  return (next) => (message) => {
    if (skips) {
      const type = headerString(message.record.headers, EVENT_HEADERS.type);
      if (type !== undefined && message.topic.eventOfType(type) && skips(type)) {
        message.outcome = 'skipped';
        return;
      }
    }
    if (message.decoded) return next(message);
    // Synchronously when the writer schema is cached (the steady state), else fetch it.
    const cached = serde.decodeCached(message.topic, message.record.value);
    if (cached) {
      message.decoded = cached;
      return skips?.(cached.event.type) ? skip(message) : next(message);
    }
    return serde.decode(message.topic, message.record.value).then((decoded) => {
      message.decoded = decoded;
      return skips?.(decoded.event.type) ? skip(message) : next(message);
    });
  };
}

function skip(message: InboundMessage): void {
  message.outcome = 'skipped';
}
