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
export interface PublishContext {
  readonly topic: string;
  readonly eventType: string;
  readonly eventId: string;
  readonly aggregateId: string;
  partition?: number;
  offset?: string;
  /** Set when the broker acknowledged (or the publish failed). */
  durationMs?: number;
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
  readonly attempt: number;
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

export const channels = {
  /** One traced publish: start → asyncEnd (acknowledged) or error. */
  publish: diagnostics_channel.tracingChannel<unknown, PublishContext>('kbus:publish'),
  /** One send of a coalesced batch to the broker. */
  publishBatch: diagnostics_channel.channel('kbus:publish:batch'),
  /** One traced handler attempt. */
  handle: diagnostics_channel.tracingChannel<unknown, HandleContext>('kbus:handle'),
  /** What happened to a consumed record. */
  record: diagnostics_channel.channel('kbus:record'),
  commit: diagnostics_channel.channel('kbus:commit'),
  rebalance: diagnostics_channel.channel('kbus:rebalance'),
} as const;
