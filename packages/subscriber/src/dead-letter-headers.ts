/**
 * Headers of a dead-letter record. Names follow Spring Kafka's DeadLetterPublishingRecoverer
 * (`kafka_dlt-*`), so Spring tooling and people who know it read them; values are UTF-8
 * text (Spring writes partition/offset as binary ints), readable from any language.
 * `kbus_dlt-*` adds what Spring has no header for.
 */
export const DLT_HEADERS = {
  originalTopic: 'kafka_dlt-original-topic',
  originalPartition: 'kafka_dlt-original-partition',
  originalOffset: 'kafka_dlt-original-offset',
  originalTimestamp: 'kafka_dlt-original-timestamp',
  originalTimestampType: 'kafka_dlt-original-timestamp-type',
  originalConsumerGroup: 'kafka_dlt-original-consumer-group',
  exceptionClass: 'kafka_dlt-exception-fqcn',
  exceptionCauseClass: 'kafka_dlt-exception-cause-fqcn',
  exceptionMessage: 'kafka_dlt-exception-message',
  exceptionStacktrace: 'kafka_dlt-exception-stacktrace',
  /** The SDK error code (DECODE_FAILED, HANDLER_FAILED, …). */
  errorCode: 'kbus_dlt-error-code',
  attempts: 'kbus_dlt-attempts',
  failedAt: 'kbus_dlt-failed-at',
  /** Set when the value was left out because the dead-letter topic refused its size. */
  valueOmitted: 'kbus_dlt-value-omitted',
} as const;

export const DLT_HEADER_NAMES: ReadonlySet<string> = new Set(Object.values(DLT_HEADERS));
