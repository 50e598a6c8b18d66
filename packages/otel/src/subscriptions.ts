import type { Channel, TracingChannel, TracingChannelSubscribers } from 'node:diagnostics_channel';
import { diag } from '@opentelemetry/api';

/**
 * A listener that cannot fail the SDK: an exception thrown in a diagnostics-channel
 * subscriber would surface as an uncaught exception and end the process.
 */
function guarded<M>(name: string, handler: ((message: M) => void) | undefined): (message: M) => void {
  if (!handler) return noop;
  return (message) => {
    try {
      handler(message);
    } catch (error) {
      diag.error(`@kbus/otel: ${name} failed`, error);
    }
  };
}

/** Subscriptions made together and undone together. */
export class Subscriptions {
  private readonly undo: Array<() => void> = [];

  tracing<C extends object>(
    channel: TracingChannel<unknown, C>,
    handlers: Partial<TracingChannelSubscribers<C>>,
  ): void {
    const all: TracingChannelSubscribers<C> = {
      start: guarded('start', handlers.start),
      end: guarded('end', handlers.end),
      asyncStart: guarded('asyncStart', handlers.asyncStart),
      asyncEnd: guarded('asyncEnd', handlers.asyncEnd),
      error: guarded('error', handlers.error),
    };
    channel.subscribe(all);
    this.undo.push(() => channel.unsubscribe(all));
  }

  plain<M>(channel: Channel, handler: (message: M) => void): void {
    const safe = guarded('listener', handler);
    const listener = (message: unknown) => safe(message as M);
    channel.subscribe(listener);
    this.undo.push(() => channel.unsubscribe(listener));
  }

  add(undo: () => void): void {
    this.undo.push(undo);
  }

  dispose(): void {
    for (const undo of this.undo.splice(0).reverse()) undo();
  }
}

function noop(): void {}
