import {
  type AnyEventDefinition,
  channels,
  describeThrown,
  type HandleContext,
  isKbusError,
  KbusError,
} from '@kbus/core';
import { type Handler, type HandlerContext, type InboundMessage, type MessageHandler, normalised } from '../types.ts';

function text(value: Buffer | string | undefined | null): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : value.toString('utf8');
}

/** What a handler gets next to the event; its parts are computed only when read. */
class Context implements HandlerContext {
  private readonly message: InboundMessage;
  readonly attempt: number;

  constructor(message: InboundMessage) {
    this.message = message;
    this.attempt = message.attempt;
  }

  get topic(): string {
    return this.message.topic.name;
  }

  get partition(): number {
    return this.message.partition;
  }

  get offset(): string {
    return this.message.record.offset;
  }

  get key(): string | undefined {
    return text(this.message.record.key);
  }

  get headers(): Readonly<Record<string, string | undefined>> {
    return Object.fromEntries(Object.entries(this.message.record.headers).map(([k, v]) => [k, text(v)]));
  }

  get signal(): AbortSignal {
    return this.message.attempt$?.signal() ?? this.message.lifecycle;
  }

  heartbeat(): Promise<void> {
    return this.message.heartbeat();
  }
}

function failure(type: string, error: unknown): unknown {
  if (isKbusError(error)) return error;
  // Whatever was thrown (a string, undefined, an object without a prototype) is described
  // as it is and kept as the cause.
  return new KbusError('HANDLER_FAILED', `handler of "${type}" failed: ${describeThrown(error)}`, {
    retriable: true,
    cause: error,
  });
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
  // One failure mapper per event type, made once: no closure per record.
  const failures = new Map<string, (error: unknown) => never>();
  const failureOf = (type: string) => {
    let mapper = failures.get(type);
    if (!mapper) {
      mapper = (error: unknown) => {
        throw failure(type, error);
      };
      failures.set(type, mapper);
    }
    return mapper;
  };
  return (message) => {
    const decoded = message.decoded;
    if (!decoded) throw new Error('dispatch needs a decoded message');
    const type = decoded.event.type;
    const handler = handlers[type];
    if (!handler) {
      if (unhandled === 'skip') {
        message.outcome = 'skipped';
        return;
      }
      throw new KbusError('UNKNOWN_EVENT_TYPE', `no handler for "${type}" in group ${message.groupId}`, {
        details: { eventType: type },
      });
    }
    const context = new Context(message);
    if (!channels.handle.hasSubscribers) {
      let result: void | Promise<void>;
      try {
        result = normalised(handler(decoded.envelope as never, context));
      } catch (error) {
        throw failure(type, error);
      }
      // A handled record keeps outcome undefined (the subscriber counts it as handled).
      return result ? result.then(undefined, failureOf(type)) : undefined;
    }
    return (async () => {
      const { record } = message;
      const trace: HandleContext = {
        groupId: message.groupId,
        topic: message.topic.name,
        partition: message.partition,
        offset: record.offset,
        eventType: type,
        eventId: decoded.envelope.id,
        correlationId: decoded.envelope.correlationId,
        key: text(record.key),
        headers: record.headers,
        attempt: message.attempt,
      };
      const started = performance.now();
      const run = () => normalised(handler(decoded.envelope as never, context));
      await channels.handle.tracePromise(async () => {
        try {
          // A tracer's scope (set in `start`): the handler runs inside the process span's context.
          await (trace.scope ? trace.scope(run) : run());
        } catch (error) {
          throw failure(type, error);
        } finally {
          trace.durationMs = performance.now() - started;
        }
      }, trace);
    })();
  };
}
