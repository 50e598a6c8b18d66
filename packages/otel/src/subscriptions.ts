import type { Channel, TracingChannel, TracingChannelSubscribers } from 'node:diagnostics_channel';

/** Subscriptions made together and undone together. */
export class Subscriptions {
  private readonly undo: Array<() => void> = [];

  tracing<C extends object>(
    channel: TracingChannel<unknown, C>,
    handlers: Partial<TracingChannelSubscribers<C>>,
  ): void {
    const all: TracingChannelSubscribers<C> = {
      start: handlers.start ?? noop,
      end: handlers.end ?? noop,
      asyncStart: handlers.asyncStart ?? noop,
      asyncEnd: handlers.asyncEnd ?? noop,
      error: handlers.error ?? noop,
    };
    channel.subscribe(all);
    this.undo.push(() => channel.unsubscribe(all));
  }

  plain<M>(channel: Channel, handler: (message: M) => void): void {
    const listener = (message: unknown) => handler(message as M);
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
