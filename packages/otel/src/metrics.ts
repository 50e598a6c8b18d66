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
  // Counters are tallied here and read at collection: a per-record add() would hash its
  // attributes every time, the largest cost of metrics on a busy consumer.
  const sent = new Tally();
  const consumed = new Tally();
  const retries = new Tally();
  const deadLetters = new Tally();
  const counters = [
    [sent, METRIC.sentMessages, 'Number of messages the producer attempted to send to the broker.', '{message}'],
    [consumed, METRIC.consumedMessages, 'Number of messages that were delivered to the application.', '{message}'],
    [retries, METRIC.retries, 'Handler attempts that failed and were retried.', '{attempt}'],
    [deadLetters, METRIC.deadLetters, 'Records sent to their dead-letter topic.', '{message}'],
  ] as const;
  for (const [tally, name, description, unit] of counters) {
    const counter = meter.createObservableCounter(name, { description, unit });
    const observe = (result: ObservableResult) => tally.observe(result);
    counter.addCallback(observe);
    subscriptions.add(() => counter.removeCallback(observe));
  }
  /** The last finished record per group, topic and partition; the lag is worked out when read. */
  const lags = new Map<string, { readonly attributes: Attributes; highWatermark: string; offset: string }>();
  const lag = meter.createObservableGauge(METRIC.lag, {
    description: "Records between a partition's end (as of the last fetch) and the last record this consumer finished.",
    unit: '{message}',
  });
  const observeLag = (result: ObservableResult) => {
    for (const { attributes, highWatermark, offset } of lags.values()) {
      const behind = BigInt(highWatermark) - BigInt(offset) - 1n;
      result.observe(Number(behind < 0n ? 0n : behind), attributes);
    }
  };
  lag.addCallback(observeLag);
  subscriptions.add(() => lag.removeCallback(observeLag));

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
  /** Attribute sets made once per key and reused (histograms still hash them per record). */
  const attributeSets = new Map<string, Attributes>();
  const attributesFor = (key: string, make: () => Attributes): Attributes => {
    let attributes = attributeSets.get(key);
    if (!attributes) {
      attributes = make();
      attributeSets.set(key, attributes);
    }
    return attributes;
  };

  subscriptions.tracing<PublishContext>(channels.publish, {
    asyncEnd(message) {
      const error = message.error === undefined ? '' : errorType(message.error);
      const key = `send\0${message.topic}\0${message.partition}\0${error}`;
      const attributes = attributesFor(key, () => {
        const made = attributesOf('send', message.topic, message.error);
        if (message.partition !== undefined) made[ATTR.partition] = String(message.partition);
        return made;
      });
      operationDuration.record((message.durationMs ?? 0) / 1000, attributes);
      sent.add(key, 1, attributes);
    },
  });

  subscriptions.tracing<RelaySendContext>(channels.relaySend, {
    asyncEnd(message) {
      const perTopic = new Map<string, number>();
      for (const record of message.records) perTopic.set(record.topic, (perTopic.get(record.topic) ?? 0) + 1);
      const error = message.error === undefined ? '' : errorType(message.error);
      for (const [topic, count] of perTopic) {
        const key = `relay\0${topic}\0${error}`;
        const attributes = attributesFor(key, () => attributesOf('send', topic, message.error));
        operationDuration.record((message.durationMs ?? 0) / 1000, attributes);
        sent.add(key, count, attributes);
      }
    },
  });

  subscriptions.tracing<HandleContext>(channels.handle, {
    asyncEnd(message) {
      const error = message.error === undefined ? '' : errorType(message.error);
      const key = `process\0${message.groupId}\0${message.topic}\0${message.partition}\0${error}`;
      const attributes = attributesFor(key, () =>
        attributesOf('process', message.topic, message.error, {
          [ATTR.consumerGroup]: message.groupId,
          [ATTR.partition]: String(message.partition),
        }),
      );
      processDuration.record((message.durationMs ?? 0) / 1000, attributes);
    },
  });

  subscriptions.plain<RecordOutcomeMessage>(channels.record, (message) => {
    const key = `receive\0${message.groupId}\0${message.topic}\0${message.partition}`;
    const attributes = attributesFor(key, () =>
      attributesOf('receive', message.topic, undefined, {
        [ATTR.consumerGroup]: message.groupId,
        [ATTR.partition]: String(message.partition),
      }),
    );
    if (message.outcome === 'retried') {
      retries.add(key, 1, attributes);
      return;
    }
    // One final outcome per delivered record: handled, dead-lettered or skipped.
    consumed.add(key, 1, attributes);
    if (message.outcome === 'dead-lettered') deadLetters.add(key, 1, attributes);
    const last = lags.get(key);
    if (last) {
      last.highWatermark = message.highWatermark;
      last.offset = message.offset;
    } else {
      const lagAttributes: Attributes = {
        [ATTR.consumerGroup]: message.groupId,
        [ATTR.destination]: message.topic,
        [ATTR.partition]: String(message.partition),
      };
      lags.set(key, { attributes: lagAttributes, highWatermark: message.highWatermark, offset: message.offset });
    }
  });

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

/** Running totals per attribute set, reported by an observable counter. */
class Tally {
  private readonly totals = new Map<string, { readonly attributes: Attributes; value: number }>();

  add(key: string, value: number, attributes: Attributes): void {
    const total = this.totals.get(key);
    if (total) total.value += value;
    else this.totals.set(key, { attributes, value });
  }

  observe(result: ObservableResult): void {
    for (const { attributes, value } of this.totals.values()) result.observe(value, attributes);
  }
}
