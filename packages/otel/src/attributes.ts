import type { Attributes } from '@opentelemetry/api';

/*
 * Attribute names of the OpenTelemetry messaging semantic conventions (Kafka page), kept as
 * plain strings so the package needs nothing at run time but @opentelemetry/api; a unit
 * test checks them against @opentelemetry/semantic-conventions.
 */
export const ATTR = {
  systemOld: 'messaging.system',
  systemNew: 'messaging.system.name',
  operationName: 'messaging.operation.name',
  operationType: 'messaging.operation.type',
  destination: 'messaging.destination.name',
  partition: 'messaging.destination.partition.id',
  consumerGroup: 'messaging.consumer.group.name',
  messageId: 'messaging.message.id',
  conversationId: 'messaging.message.conversation_id',
  batchCount: 'messaging.batch.message_count',
  keyOld: 'messaging.kafka.message.key',
  keyNew: 'kafka.message.key',
  offsetOld: 'messaging.kafka.offset',
  offsetNew: 'kafka.offset',
  errorType: 'error.type',
  /** kbus's own: which attempt of a record a process span is (1, 2, …). */
  attempt: 'kbus.attempt',
  /** kbus's own: the event type of the envelope. */
  eventType: 'kbus.event.type',
  /** kbus's own: set on the span that sent a record to its dead-letter topic. */
  deadLetterSource: 'kbus.dead_letter.source_topic',
  /** kbus's own: set on the span that re-sent a dead-lettered record. */
  redriveFrom: 'kbus.redrive.dead_letter_topic',
  /** kbus's own: `schema.table` of an outbox. */
  outboxTable: 'kbus.outbox.table',
} as const;

export const METRIC = {
  operationDuration: 'messaging.client.operation.duration',
  sentMessages: 'messaging.client.sent.messages',
  consumedMessages: 'messaging.client.consumed.messages',
  processDuration: 'messaging.process.duration',
  retries: 'kbus.consumer.retries',
  deadLetters: 'kbus.consumer.dead_letters',
  lag: 'kbus.consumer.lag',
  outboxBacklog: 'kbus.outbox.backlog',
  outboxOldestAge: 'kbus.outbox.oldest_pending_age',
} as const;

/**
 * Which names a renamed attribute is written under. The conventions ask instrumentations to
 * honour `OTEL_SEMCONV_STABILITY_OPT_IN`: `messaging` gives the newest names
 * (`messaging.system.name`, `kafka.message.key`, `kafka.offset`), `messaging/dup` both; the
 * default is the names of the messaging conventions' 1.27–1.30 releases, which most
 * back ends and the other Node Kafka instrumentations read today.
 */
export type AttributeNames = 'old' | 'new' | 'both';

export function attributeNames(optIn: string | undefined = process.env.OTEL_SEMCONV_STABILITY_OPT_IN): AttributeNames {
  const values = new Set((optIn ?? '').split(',').map((v) => v.trim()));
  if (values.has('messaging/dup')) return 'both';
  if (values.has('messaging')) return 'new';
  return 'old';
}

/** Writes the renamed attributes under the names chosen. */
export class RenamedAttributes {
  private readonly names: AttributeNames;

  constructor(names: AttributeNames) {
    this.names = names;
  }

  private put(into: Attributes, oldName: string, newName: string, value: string | number): void {
    if (this.names !== 'new') into[oldName] = value;
    if (this.names !== 'old') into[newName] = value;
  }

  system(into: Attributes): void {
    this.put(into, ATTR.systemOld, ATTR.systemNew, 'kafka');
  }

  key(into: Attributes, key: string | undefined): void {
    if (key !== undefined) this.put(into, ATTR.keyOld, ATTR.keyNew, key);
  }

  offset(into: Attributes, offset: string | undefined): void {
    if (offset !== undefined) this.put(into, ATTR.offsetOld, ATTR.offsetNew, Number(offset));
  }
}

/** `error.type`: the SDK's error code where there is one, else the error's class. */
export function errorType(error: unknown): string {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  if (typeof code === 'string' && code.length > 0) return code;
  const name = (error as { name?: unknown } | null | undefined)?.name;
  return typeof name === 'string' && name.length > 0 ? name : '_OTHER';
}
