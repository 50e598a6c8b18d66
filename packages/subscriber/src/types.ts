import type { AnyEventDefinition, AnyTopicDefinition, DecodedEvent, EnvelopeOf } from '@kbus/core';
import type { ConsumedRecord } from '@kbus/transport';

/** Every event the subscribed topics carry. */
export type SubscribedEvent<T extends readonly AnyTopicDefinition[]> = T[number]['events'][number];
/** Their type names. */
export type SubscribedType<T extends readonly AnyTopicDefinition[]> = SubscribedEvent<T>['type'];

/** What a handler gets besides the event. */
export interface HandlerContext {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** The record key (the aggregate id) as text. */
  readonly key: string | undefined;
  /** Record headers as text. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** 1 for the first try, then 2, 3… (retries run in place, in order). */
  readonly attempt: number;
  /** Aborted when the handler timed out, or the partition is being revoked or the subscriber stops. */
  readonly signal: AbortSignal;
  /** Keeps the group session alive during long work (throttled; safe to call often). */
  heartbeat(): Promise<void>;
}

export type Handler<E extends AnyEventDefinition> = (
  event: EnvelopeOf<E>,
  context: HandlerContext,
) => Promise<void> | void;

/** One handler per event type of the subscribed topics; types not listed are skipped (or ignored, or dead-lettered). */
export type Handlers<T extends readonly AnyTopicDefinition[]> = {
  readonly [K in SubscribedType<T>]?: Handler<Extract<SubscribedEvent<T>, { readonly type: K }>>;
};

/** A consumed record on its way through the middleware chain. */
export interface InboundMessage {
  readonly groupId: string;
  readonly topic: AnyTopicDefinition;
  readonly partition: number;
  /** The partition's end offset when the record's batch was fetched. */
  readonly highWatermark: string;
  readonly record: ConsumedRecord;
  /** Set by the decode step. */
  decoded: DecodedEvent | undefined;
  /** Current attempt (the retry middleware counts). */
  attempt: number;
  /**
   * Set when the record went to the dead-letter topic or was skipped, for accounting;
   * undefined while it runs and once it was handled.
   */
  outcome: 'handled' | 'dead-lettered' | 'skipped' | undefined;
  /** Aborted when the partition is revoked or the subscriber stops: stop and leave the record uncommitted. */
  readonly lifecycle: AbortSignal;
  /**
   * The current attempt (set by the timeout middleware): its `signal()`, made on first use,
   * aborts on the attempt's timeout or when the partition is released.
   */
  attempt$: { signal(): AbortSignal } | undefined;
  heartbeat(): Promise<void>;
}

/**
 * One step of the chain. It may finish synchronously (return nothing) or asynchronously
 * (return a promise): most records pass through without waiting for anything, and not
 * making a promise per step for them is most of the SDK's per-record cost.
 */
export type MessageHandler = (message: InboundMessage) => void | Promise<void>;

/**
 * Wraps the next step of the chain, e.g.
 * `(next) => async (message) => { …; await next(message); … }` (an async middleware is fine;
 * `isPromise()` lets a middleware stay synchronous when `next` was).
 */
export type Middleware = (next: MessageHandler) => MessageHandler;

/** True for a promise (or any thenable) a step returned. */
export function isPromise(value: unknown): value is Promise<void> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/**
 * What user code (a handler, a middleware) returned, as the chain relies on it: nothing
 * (finished), or a real promise. A thenable that is not a promise is adopted once, here, as
 * `Promise.resolve` does: its `then()` may return anything or call back late, from a
 * timer, or throw; none of that can make a record count as finished before it is, or
 * escape as an uncaught exception.
 */
export function normalised(result: unknown): void | Promise<void> {
  if (result instanceof Promise) return result as Promise<void>;
  try {
    if (!isPromise(result)) return undefined;
  } catch (error) {
    // A `then` getter that throws.
    return Promise.reject(error);
  }
  return Promise.resolve(result) as Promise<void>;
}
