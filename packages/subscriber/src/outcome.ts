import { channels, type RecordOutcomeMessage } from '@kbus/core';
import type { InboundMessage } from './types.ts';

/** Publishes what happened to a record on `channels.record` (only when someone listens). */
export function reportOutcome(
  message: InboundMessage,
  outcome: RecordOutcomeMessage['outcome'],
  durationMs: number,
  error?: unknown,
  deadLetterTopic?: string,
): void {
  if (!channels.record.hasSubscribers) return;
  channels.record.publish({
    groupId: message.groupId,
    topic: message.topic.name,
    partition: message.partition,
    offset: message.record.offset,
    eventType: message.decoded?.event.type,
    outcome,
    attempt: message.attempt,
    durationMs,
    headers: message.record.headers,
    highWatermark: message.highWatermark,
    ...(error === undefined ? {} : { error }),
    ...(deadLetterTopic === undefined ? {} : { deadLetterTopic }),
  } satisfies RecordOutcomeMessage);
}
