import {
  channels,
  type HandleContext,
  type OutboxBacklogMessage,
  type PublishContext,
  type RecordOutcomeMessage,
  type RelaySendContext,
} from '@kbus/core';
import type { Attributes, Meter, ObservableResult } from '@opentelemetry/api';
import { ATTR, errorType, METRIC, type RenamedAttributes } from './attributes.ts';
import type { Subscriptions } from './subscriptions.ts';

/** The conventions' advice for messaging durations, in seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/**
 * Metrics per the messaging conventions (operation and process durations, sent and consumed
 * messages) plus kbus's own: retries, dead letters, consumer lag per partition, and the
 * outbox's backlog and the age of its oldest pending row.
 */
export function measureChannels(meter: Meter, names: RenamedAttributes, subscriptions: Subscriptions): void {
  const operationDuration = meter.createHistogram(METRIC.operationDuration, {
    description: 'Duration of a messaging operation initiated by a producer or consumer client.',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const processDuration = meter.createHistogram(METRIC.processDuration, {
    description: 'Duration of processing operation (one handler attempt).',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const sent = meter.createCounter(METRIC.sentMessages, {
    description: 'Number of messages the producer attempted to send to the broker.',
    unit: '{message}',
  });
  const consumed = meter.createCounter(METRIC.consumedMessages, {
    description: 'Number of messages that were delivered to the application.',
    unit: '{message}',
  });
  const retries = meter.createCounter(METRIC.retries, {
    description: 'Handler attempts that failed and were retried.',
    unit: '{attempt}',
  });
  const deadLetters = meter.createCounter(METRIC.deadLetters, {
    description: 'Records sent to their dead-letter topic.',
    unit: '{message}',
  });
  const lag = meter.createObservableGauge(METRIC.lag, {
    description: "Records between a partition's end (as of the last fetch) and the last record this consumer finished.",
    unit: '{message}',
  });

  const attributesOf = (operation: string, topic: string, error: unknown, extra?: Attributes): Attributes => {
    const attributes: Attributes = {
      [ATTR.operationName]: operation,
      [ATTR.operationType]: operation,
      [ATTR.destination]: topic,
      ...extra,
    };
    names.system(attributes);
    if (error !== undefined) attributes[ATTR.errorType] = errorType(error);
    return attributes;
  };

  subscriptions.tracing<PublishContext>(channels.publish, {
    asyncEnd(message) {
      const attributes = attributesOf('send', message.topic, message.error);
      if (message.partition !== undefined) attributes[ATTR.partition] = String(message.partition);
      operationDuration.record((message.durationMs ?? 0) / 1000, attributes);
      sent.add(1, attributes);
    },
  });

  subscriptions.tracing<RelaySendContext>(channels.relaySend, {
    asyncEnd(message) {
      const perTopic = new Map<string, number>();
      for (const record of message.records) perTopic.set(record.topic, (perTopic.get(record.topic) ?? 0) + 1);
      for (const [topic, count] of perTopic) {
        const attributes = attributesOf('send', topic, message.error);
        operationDuration.record((message.durationMs ?? 0) / 1000, attributes);
        sent.add(count, attributes);
      }
    },
  });

  subscriptions.tracing<HandleContext>(channels.handle, {
    asyncEnd(message) {
      const attributes = attributesOf('process', message.topic, message.error, {
        [ATTR.consumerGroup]: message.groupId,
        [ATTR.partition]: String(message.partition),
      });
      processDuration.record((message.durationMs ?? 0) / 1000, attributes);
    },
  });

  /** Last known lag per group, topic and partition. */
  const lags = new Map<string, { attributes: Attributes; lag: number }>();
  subscriptions.plain<RecordOutcomeMessage>(channels.record, (message) => {
    const attributes = attributesOf('receive', message.topic, undefined, {
      [ATTR.consumerGroup]: message.groupId,
      [ATTR.partition]: String(message.partition),
    });
    if (message.outcome === 'retried') {
      retries.add(1, attributes);
      return;
    }
    // One final outcome per delivered record: handled, dead-lettered or skipped.
    consumed.add(1, attributes);
    if (message.outcome === 'dead-lettered') deadLetters.add(1, attributes);
    const behind = BigInt(message.highWatermark) - BigInt(message.offset) - 1n;
    const partitionKey = `${message.groupId}\0${message.topic}\0${message.partition}`;
    lags.set(partitionKey, {
      attributes: {
        [ATTR.consumerGroup]: message.groupId,
        [ATTR.destination]: message.topic,
        [ATTR.partition]: String(message.partition),
      },
      lag: Number(behind < 0n ? 0n : behind),
    });
  });
  const observeLag = (result: ObservableResult) => {
    for (const { attributes, lag: value } of lags.values()) result.observe(value, attributes);
  };
  lag.addCallback(observeLag);
  subscriptions.add(() => lag.removeCallback(observeLag));

  const backlog = meter.createObservableGauge(METRIC.outboxBacklog, {
    description: 'Outbox rows not yet published, as the relay leader last saw them.',
    unit: '{row}',
  });
  const oldest = meter.createObservableGauge(METRIC.outboxOldestAge, {
    description: 'Age of the oldest outbox row not yet published, as the relay leader last saw it.',
    unit: 's',
  });
  const backlogs = new Map<string, OutboxBacklogMessage>();
  subscriptions.plain<OutboxBacklogMessage>(channels.outboxBacklog, (message) => backlogs.set(message.table, message));
  const observeBacklog = (result: ObservableResult) => {
    for (const message of backlogs.values()) result.observe(message.pending, { [ATTR.outboxTable]: message.table });
  };
  const observeOldest = (result: ObservableResult) => {
    for (const message of backlogs.values())
      result.observe(message.oldestPendingAgeMs / 1000, { [ATTR.outboxTable]: message.table });
  };
  backlog.addCallback(observeBacklog);
  oldest.addCallback(observeOldest);
  subscriptions.add(() => {
    backlog.removeCallback(observeBacklog);
    oldest.removeCallback(observeOldest);
  });
}
