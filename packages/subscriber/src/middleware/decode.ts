import type { Serde } from '@kbus/core';
import { readSchemaId } from '@kbus/core/internal';
import type { InboundMessage, Middleware } from '../types.ts';

/**
 * Decodes the record with the registry (writer schema) and the topic's declaration (reader
 * schema). Records of a declared type that this subscriber skips are recognised by the
 * schema id in their value and not decoded at all: the id is part of the bytes, so it
 * cannot say another type than they hold (a `ce_type` header can, and is not trusted for
 * this). The first record of a schema id waits for its writer schema once. Decode failures
 * are not retriable (they go to the dead-letter topic), except a registry fault, which is.
 */
export function decode(serde: Serde, skips: ((type: string) => boolean) | undefined): Middleware {
  return (next) => {
    const decodeAndRun = (message: InboundMessage): void | Promise<void> => {
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
    const skipOrRun = (message: InboundMessage): void | Promise<void> => {
      const event = serde.cachedEventOf(message.topic, message.record.value);
      if (event === undefined) return decodeAndRun(message);
      return skips?.(event.type) ? skip(message) : decodeAndRun(message);
    };
    return (message) => {
      if (message.decoded) return next(message);
      if (!skips) return decodeAndRun(message);
      const event = serde.cachedEventOf(message.topic, message.record.value);
      if (event !== undefined) return skips(event.type) ? skip(message) : decodeAndRun(message);
      // Learn the schema id's event first, so that a skipped type is skipped without being
      // decoded from its first record on (it may not even be valid for this reader).
      return serde.prepare(message.topic, readSchemaId(message.record.value)).then(() => skipOrRun(message));
    };
  };
}

function skip(message: InboundMessage): void {
  message.outcome = 'skipped';
}
