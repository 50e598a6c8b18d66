import { describeThrown, isKbusError, type KbusError, redact } from '@kbus/core';
import { type HeaderValue, type Producer, partitionForKey } from '@kbus/transport';
import { DLT_HEADERS } from '../dead-letter-headers.ts';
import { isAborted, pause } from '../errors.ts';
import { reportOutcome } from '../outcome.ts';
import { type InboundMessage, isPromise, type Middleware } from '../types.ts';

export interface DeadLetterTarget {
  /** The dead-letter topic of a source topic. */
  topicFor(source: string): string;
  /** Partition count of a dead-letter topic (read at start-up). */
  partitionsOf(deadLetterTopic: string): number;
  /** A dead-letter send failed and will be tried again (a missing ACL, a broker away): for health(). */
  onSendError?(error: unknown): void;
}

const MAX_STACK = 8_192;
const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/** Text of a field of whatever was thrown, if it is text. */
function field(value: unknown, name: 'name' | 'stack'): string | undefined {
  const text = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
  return typeof text === 'string' ? text : undefined;
}

/** Why a record failed, as headers; stored in Kafka, so redacted like every text the SDK emits. */
function describeError(error: unknown): Record<string, string> {
  const cause = typeof error === 'object' && error !== null ? (error as { cause?: unknown }).cause : undefined;
  const headers: Record<string, string> = {
    [DLT_HEADERS.exceptionClass]: redact(field(error, 'name') ?? (error === null ? 'null' : typeof error)),
    [DLT_HEADERS.exceptionMessage]: describeThrown(error),
    [DLT_HEADERS.exceptionStacktrace]: redact(field(error, 'stack') ?? '').slice(0, MAX_STACK),
  };
  const causeName = field(cause, 'name');
  if (causeName) headers[DLT_HEADERS.exceptionCauseClass] = redact(causeName);
  if (isKbusError(error)) headers[DLT_HEADERS.errorCode] = error.code;
  return headers;
}

/**
 * Sends a record that cannot be handled to its dead-letter topic: the original key, value
 * bytes and headers, plus why (error class, message, stack, SDK code), how often it was
 * tried, and where it came from (topic, partition, offset, timestamp, group). Then the
 * record counts as done and its offset is committed: the partition keeps flowing.
 * If the dead-letter topic cannot be written, the record is NOT done: the send is retried
 * until it works or the partition is released (then the record is redelivered).
 */
export function deadLetter(producer: Producer, target: DeadLetterTarget, retryDelayMs = 1_000): Middleware {
  const failed = async (message: InboundMessage, error: unknown): Promise<void> => {
    if (isAborted(error) || message.lifecycle.aborted) throw error;
    const started = performance.now();
    const topic = await send(producer, target, message, error, retryDelayMs);
    message.outcome = 'dead-lettered';
    reportOutcome(message, 'dead-lettered', performance.now() - started, error, topic);
  };
  return (next) => (message) => {
    let result: void | Promise<void>;
    try {
      result = next(message);
    } catch (error) {
      return failed(message, error);
    }
    return isPromise(result) ? result.then(undefined, (error: unknown) => failed(message, error)) : undefined;
  };
}

async function send(
  producer: Producer,
  target: DeadLetterTarget,
  message: InboundMessage,
  error: unknown,
  retryDelayMs: number,
): Promise<string> {
  const { record } = message;
  const topic = target.topicFor(message.topic.name);
  const partitions = target.partitionsOf(topic);
  const headers: Record<string, HeaderValue> = {};
  for (const [name, value] of Object.entries(record.headers)) if (value !== undefined) headers[name] = value;
  Object.assign(headers, describeError(error), {
    [DLT_HEADERS.originalTopic]: message.topic.name,
    [DLT_HEADERS.originalPartition]: String(message.partition),
    [DLT_HEADERS.originalOffset]: record.offset,
    [DLT_HEADERS.originalTimestamp]: record.timestamp,
    [DLT_HEADERS.originalTimestampType]: 'CreateTime',
    [DLT_HEADERS.originalConsumerGroup]: message.groupId,
    [DLT_HEADERS.attempts]: String(message.attempt),
    [DLT_HEADERS.failedAt]: new Date().toISOString(),
  });
  // Same partition as the original where the DLT has it (Spring's default), keeping a key's records together.
  const partition =
    message.partition < partitions ? message.partition : record.key ? partitionForKey(record.key, partitions) : 0;
  let value = record.value;
  for (;;) {
    try {
      await producer.send([{ topic, records: [{ key: record.key, value, headers, partition }] }]);
      return topic;
    } catch (error) {
      if (value !== null && TOO_LARGE.has(String((error as KbusError)?.details?.kafkaType))) {
        // The dead-letter topic refuses a record this large: send the metadata without the
        // value. The original stays in its topic at the offset the headers name.
        value = null;
        headers[DLT_HEADERS.valueOmitted] =
          `the original value (${record.value?.length ?? 0} bytes) is larger than ${topic} accepts`;
        continue;
      }
      target.onSendError?.(error);
      // Rejects with AbortedError once the partition is released: the record stays uncommitted.
      await pause(retryDelayMs, message.lifecycle);
    }
  }
}
