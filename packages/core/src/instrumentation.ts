import diagnostics_channel from 'node:diagnostics_channel';

/**
 * Instrumentation through `node:diagnostics_channel`: subscribe to add metrics, logs or
 * tracing without patching anything. Nothing is published while nobody subscribes.
 *
 * @example
 * import { channels } from '@kbus/core';
 * channels.publish.subscribe({
 *   asyncEnd: (ctx) => histogram.record(ctx.durationMs, { type: ctx.eventType }),
 *   error: (ctx) => errors.add(1, { code: ctx.error.code }),
 * });
 */
/** Record headers as a Kafka client hands them over. */
export type RawHeaders = Readonly<Record<string, string | Uint8Array | undefined>>;

/**
 * Headers a tracer writes in a channel's `start` (e.g. W3C `traceparent`, `tracestate`);
 * the SDK adds them to the record it sends or stores. Nothing else may be written here.
 */
export type HeaderCarrier = Record<string, string>;

export interface PublishContext {
  readonly topic: string;
  readonly eventType: string;
  readonly eventId: string;
  readonly aggregateId: string;
  readonly correlationId: string;
  /** Written in `start`, sent with the record. */
  readonly carrier: HeaderCarrier;
  /** The publishMany() call this record is part of (only while someone listens on channels.publishMany). */
  readonly batch?: PublishManyContext;
  partition?: number;
  offset?: string;
  /** Set when the broker acknowledged (or the publish failed). */
  durationMs?: number;
  error?: unknown;
}

/** One traced publishMany() call; each of its records is also traced on channels.publish. */
export interface PublishManyContext {
  readonly records: number;
  /** The topics its records go to. */
  readonly topics: readonly string[];
  error?: unknown;
}

export interface PublishBatchMessage {
  readonly records: number;
  readonly bytes: number;
  readonly durationMs: number;
  readonly error?: unknown;
}

export interface HandleContext {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly eventType: string | undefined;
  readonly eventId: string | undefined;
  readonly correlationId: string | undefined;
  /** The record key (the aggregate id) as text. */
  readonly key: string | undefined;
  /** The record's headers, for a tracer to read the producer's context from. */
  readonly headers: RawHeaders;
  readonly attempt: number;
  /**
   * Set by a tracer in `start`: the handler runs inside it, e.g. inside the process span's
   * context, so that what the handler publishes continues the trace.
   */
  scope?: <R>(run: () => R) => R;
  durationMs?: number;
  error?: unknown;
}

export interface RecordOutcomeMessage {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly eventType: string | undefined;
  /** `handled`, `retried` (another attempt follows), `dead-lettered`, `skipped` (no handler, ignored type). */
  readonly outcome: 'handled' | 'retried' | 'dead-lettered' | 'skipped';
  readonly attempt: number;
  readonly durationMs: number;
  readonly error?: unknown;
  /** The record's headers (the producer's trace context is there). */
  readonly headers: RawHeaders;
  /** The partition's end offset when the record was fetched (its lag is this minus offset + 1). */
  readonly highWatermark: string;
  /** Where a dead-lettered record went. */
  readonly deadLetterTopic?: string;
}

export interface CommitMessage {
  readonly groupId: string;
  readonly offsets: ReadonlyArray<{ topic: string; partition: number; offset: string }>;
  readonly durationMs: number;
  /** The commit was refused because the member lost the partitions. */
  readonly ownershipLost?: boolean;
  readonly error?: unknown;
}

export interface RebalanceMessage {
  readonly groupId: string;
  readonly phase: 'revoking' | 'assigned';
  readonly assignment?: Readonly<Record<string, readonly number[]>>;
}

/** One `outbox.add()`: the carrier is stored with the row and read back by the relay. */
export interface OutboxAddContext {
  readonly topic: string;
  readonly eventType: string;
  readonly eventId: string;
  readonly aggregateId: string;
  readonly correlationId: string;
  /** Written in `start`, stored in the row's `trace_context`. */
  readonly carrier: HeaderCarrier;
  error?: unknown;
}

/** One row the relay sends. */
export interface RelayedRecord {
  readonly topic: string;
  readonly eventId: string;
  readonly key: string;
  /** What `outbox.add()`'s carrier held (undefined for rows written without a tracer). */
  readonly stored: Readonly<Record<string, string>> | undefined;
  /** The record's headers; a tracer may write its own context here in `start`. */
  readonly headers: HeaderCarrier;
}

/** One send of outbox rows by the relay. */
export interface RelaySendContext {
  readonly records: readonly RelayedRecord[];
  durationMs?: number;
  error?: unknown;
}

/** What a relay leader saw pending after a send (published at most once a second, while someone listens). */
export interface OutboxBacklogMessage {
  /** `schema.table` of the outbox. */
  readonly table: string;
  /** Rows not yet published. */
  readonly pending: number;
  /** Age of the oldest pending row (0 when none is pending). */
  readonly oldestPendingAgeMs: number;
}

/** One record that redrive sends back to its original topic. */
export interface RedriveContext {
  readonly deadLetterTopic: string;
  readonly topic: string;
  readonly partition: number;
  readonly key: string | undefined;
  /** The headers it is sent with (the original producer's context is there); a tracer may replace the trace context. */
  readonly headers: HeaderCarrier;
  error?: unknown;
}

export const channels = {
  /** One traced publish: start → asyncEnd (acknowledged) or error. */
  publish: diagnostics_channel.tracingChannel<unknown, PublishContext>('kbus:publish'),
  /** One traced publishMany() call, around its records' own publish traces. */
  publishMany: diagnostics_channel.tracingChannel<unknown, PublishManyContext>('kbus:publish:many'),
  /** One send of a coalesced batch to the broker. */
  publishBatch: diagnostics_channel.channel('kbus:publish:batch'),
  /** One traced handler attempt. */
  handle: diagnostics_channel.tracingChannel<unknown, HandleContext>('kbus:handle'),
  /** What happened to a consumed record. */
  record: diagnostics_channel.channel('kbus:record'),
  commit: diagnostics_channel.channel('kbus:commit'),
  rebalance: diagnostics_channel.channel('kbus:rebalance'),
  /** One traced `outbox.add()`. */
  outboxAdd: diagnostics_channel.tracingChannel<unknown, OutboxAddContext>('kbus:outbox:add'),
  /** One traced send of outbox rows by the relay. */
  relaySend: diagnostics_channel.tracingChannel<unknown, RelaySendContext>('kbus:outbox:relay'),
  /** The outbox backlog as the relay leader sees it. */
  outboxBacklog: diagnostics_channel.channel('kbus:outbox:backlog'),
  /** One traced re-send of a dead-lettered record. */
  redrive: diagnostics_channel.tracingChannel<unknown, RedriveContext>('kbus:redrive'),
} as const;
