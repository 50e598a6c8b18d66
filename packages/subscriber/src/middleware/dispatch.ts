import { type AnyEventDefinition, channels, type HandleContext, isKbusError, KbusError } from '@kbus/core';
import type { Handler, HandlerContext, MessageHandler } from '../types.ts';

function text(value: Buffer | string | undefined | null): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : value.toString('utf8');
}

/**
 * The end of the chain: calls the handler of the decoded event's type. A failure becomes a
 * HANDLER_FAILED error (retriable unless the handler said otherwise) with the original as
 * its cause.
 */
export function dispatch(
  handlers: Readonly<Record<string, Handler<AnyEventDefinition> | undefined>>,
  unhandled: 'skip' | 'dead-letter',
): MessageHandler {
  return async (message) => {
    const decoded = message.decoded;
    if (!decoded) throw new Error('dispatch needs a decoded message');
    const handler = handlers[decoded.event.type];
    if (!handler) {
      if (unhandled === 'skip') {
        message.outcome = 'skipped';
        return;
      }
      throw new KbusError('UNKNOWN_EVENT_TYPE', `no handler for "${decoded.event.type}" in group ${message.groupId}`, {
        details: { eventType: decoded.event.type },
      });
    }
    const { record } = message;
    const context: HandlerContext = {
      topic: message.topic.name,
      partition: message.partition,
      offset: record.offset,
      key: text(record.key),
      headers: Object.fromEntries(Object.entries(record.headers).map(([k, v]) => [k, text(v)])),
      attempt: message.attempt,
      signal: message.signal,
      heartbeat: message.heartbeat,
    };
    const run = async () => {
      try {
        await handler(decoded.envelope as never, context);
      } catch (error) {
        if (isKbusError(error)) throw error;
        throw new KbusError(
          'HANDLER_FAILED',
          `handler of "${decoded.event.type}" failed: ${(error as Error)?.message ?? String(error)}`,
          {
            retriable: true,
            cause: error,
          },
        );
      }
    };
    if (!channels.handle.hasSubscribers) {
      await run();
    } else {
      const trace: HandleContext = {
        groupId: message.groupId,
        topic: message.topic.name,
        partition: message.partition,
        offset: record.offset,
        eventType: decoded.event.type,
        eventId: decoded.envelope.id,
        attempt: message.attempt,
      };
      const started = performance.now();
      await channels.handle.tracePromise(async () => {
        try {
          await run();
        } finally {
          trace.durationMs = performance.now() - started;
        }
      }, trace);
    }
    message.outcome = 'handled';
  };
}
