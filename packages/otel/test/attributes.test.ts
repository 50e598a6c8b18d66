import * as semconv from '@opentelemetry/semantic-conventions/incubating';
import { describe, expect, it } from 'vitest';
import { ATTR, attributeNames, METRIC, RenamedAttributes } from '../src/attributes.ts';

describe('attribute and metric names', () => {
  it('are the ones @opentelemetry/semantic-conventions defines', () => {
    expect({
      systemOld: ATTR.systemOld,
      systemNew: ATTR.systemNew,
      operationName: ATTR.operationName,
      operationType: ATTR.operationType,
      destination: ATTR.destination,
      partition: ATTR.partition,
      consumerGroup: ATTR.consumerGroup,
      messageId: ATTR.messageId,
      conversationId: ATTR.conversationId,
      batchCount: ATTR.batchCount,
      keyOld: ATTR.keyOld,
      keyNew: ATTR.keyNew,
      offsetOld: ATTR.offsetOld,
      offsetNew: ATTR.offsetNew,
      errorType: ATTR.errorType,
    }).toEqual({
      systemOld: semconv.ATTR_MESSAGING_SYSTEM,
      systemNew: semconv.ATTR_MESSAGING_SYSTEM_NAME,
      operationName: semconv.ATTR_MESSAGING_OPERATION_NAME,
      operationType: semconv.ATTR_MESSAGING_OPERATION_TYPE,
      destination: semconv.ATTR_MESSAGING_DESTINATION_NAME,
      partition: semconv.ATTR_MESSAGING_DESTINATION_PARTITION_ID,
      consumerGroup: semconv.ATTR_MESSAGING_CONSUMER_GROUP_NAME,
      messageId: semconv.ATTR_MESSAGING_MESSAGE_ID,
      conversationId: semconv.ATTR_MESSAGING_MESSAGE_CONVERSATION_ID,
      batchCount: semconv.ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
      keyOld: semconv.ATTR_MESSAGING_KAFKA_MESSAGE_KEY,
      keyNew: semconv.ATTR_KAFKA_MESSAGE_KEY,
      offsetOld: semconv.ATTR_MESSAGING_KAFKA_OFFSET,
      offsetNew: semconv.ATTR_KAFKA_OFFSET,
      errorType: semconv.ATTR_ERROR_TYPE,
    });
    expect(semconv.MESSAGING_SYSTEM_VALUE_KAFKA).toBe('kafka');
    expect([METRIC.operationDuration, METRIC.sentMessages, METRIC.consumedMessages, METRIC.processDuration]).toEqual([
      semconv.METRIC_MESSAGING_CLIENT_OPERATION_DURATION,
      semconv.METRIC_MESSAGING_CLIENT_SENT_MESSAGES,
      semconv.METRIC_MESSAGING_CLIENT_CONSUMED_MESSAGES,
      semconv.METRIC_MESSAGING_PROCESS_DURATION,
    ]);
  });

  it('follow OTEL_SEMCONV_STABILITY_OPT_IN for the renamed attributes', () => {
    expect(attributeNames(undefined)).toBe('old');
    expect(attributeNames('http')).toBe('old');
    expect(attributeNames('http, messaging')).toBe('new');
    expect(attributeNames('messaging/dup,database')).toBe('both');
    const written = (names: 'old' | 'new' | 'both') => {
      const attributes = {};
      const renamed = new RenamedAttributes(names);
      renamed.system(attributes);
      renamed.key(attributes, 'acc-1');
      renamed.offset(attributes, '42');
      return attributes;
    };
    expect(written('old')).toEqual({
      'messaging.system': 'kafka',
      'messaging.kafka.message.key': 'acc-1',
      'messaging.kafka.offset': 42,
    });
    expect(written('new')).toEqual({
      'messaging.system.name': 'kafka',
      'kafka.message.key': 'acc-1',
      'kafka.offset': 42,
    });
    expect(Object.keys(written('both'))).toHaveLength(6);
  });
});
