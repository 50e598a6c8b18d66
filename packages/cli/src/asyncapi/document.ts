import {
  type AnyEventDefinition,
  type AnyTopicDefinition,
  createSerde,
  ENVELOPE_CONTENT_TYPE,
  EVENT_HEADERS,
  type SubjectNaming,
} from '@kbus/core';
import { DLT_HEADERS } from '@kbus/subscriber';

/** The schemaFormat of the Avro payload schemas (the Avro specification version avsc implements). */
export const AVRO_SCHEMA_FORMAT = 'application/vnd.apache.avro;version=1.9.0';

const KAFKA_BINDING_VERSION = '0.5.0';

/** The Confluent serializers' lookup strategy class names, as the Kafka binding's `schemaLookupStrategy`. */
const LOOKUP_STRATEGY: Readonly<Record<'topic-record' | 'record' | 'topic', string>> = {
  'topic-record': 'TopicRecordNameStrategy',
  record: 'RecordNameStrategy',
  topic: 'TopicNameStrategy',
};

export interface AsyncApiOptions {
  readonly title?: string;
  readonly version?: string;
  readonly description?: string;
  readonly subjectNaming?: 'topic-record' | 'record' | 'topic';
  /** The dead-letter topic of a topic (default `<topic>.dlt`, the subscriber's default); null: none. */
  readonly deadLetterTopic?: (topic: string) => string | null;
}

const stringHeader = (description: string) => ({ type: 'string', description });

/** The envelope headers a kbus publisher may write (`essential` always, the rest with `cloudevents`). */
function envelopeHeaders(event: AnyEventDefinition) {
  return {
    type: 'object',
    description:
      'Headers written by kbus publishers: ce_id and ce_type always (header set "essential"), the others with the "cloudevents" header set. Everything is also in the envelope.',
    properties: {
      [EVENT_HEADERS.id]: stringHeader('Event id (the envelope id)'),
      [EVENT_HEADERS.type]: { type: 'string', const: event.type, description: 'Event type' },
      [EVENT_HEADERS.correlationId]: stringHeader('Conversation id, when it is not the event id'),
      [EVENT_HEADERS.causationId]: stringHeader('Id of the event that caused this one, if any'),
      [EVENT_HEADERS.specVersion]: { type: 'string', const: '1.0', description: 'CloudEvents spec version' },
      [EVENT_HEADERS.source]: stringHeader('Producing service'),
      [EVENT_HEADERS.time]: { type: 'string', format: 'date-time', description: 'When it happened' },
      [EVENT_HEADERS.subject]: stringHeader('Aggregate id'),
      [EVENT_HEADERS.contentType]: { type: 'string', const: ENVELOPE_CONTENT_TYPE },
    },
    required: [EVENT_HEADERS.id, EVENT_HEADERS.type],
  };
}

const DLT_HEADER_DESCRIPTIONS: Readonly<Record<keyof typeof DLT_HEADERS, string>> = {
  originalTopic: 'Topic the record was read from',
  originalPartition: 'Its partition (decimal text)',
  originalOffset: 'Its offset (decimal text)',
  originalTimestamp: 'Its timestamp, epoch millis (decimal text)',
  originalTimestampType: 'CreateTime or LogAppendTime',
  originalConsumerGroup: 'The consumer group that failed to handle it',
  exceptionClass: 'Class of the error',
  exceptionCauseClass: 'Class of the error cause, if any',
  exceptionMessage: 'Error message',
  exceptionStacktrace: 'Error stack',
  errorCode: 'kbus error code (DECODE_FAILED, HANDLER_FAILED, …)',
  attempts: 'Handling attempts made',
  failedAt: 'When it was dead-lettered (ISO time)',
  valueOmitted: 'Set when the value was left out because the dead-letter topic refused its size',
};

function deadLetterHeaders() {
  return {
    type: 'object',
    description:
      'Spring Kafka-compatible dead-letter headers (kafka_dlt-*, UTF-8 text) plus kbus_dlt-*; the original headers are kept.',
    properties: Object.fromEntries(
      (Object.keys(DLT_HEADERS) as Array<keyof typeof DLT_HEADERS>).map((k) => [
        DLT_HEADERS[k],
        stringHeader(DLT_HEADER_DESCRIPTIONS[k]),
      ]),
    ),
    required: [DLT_HEADERS.originalTopic, DLT_HEADERS.errorCode],
  };
}

function keyBinding(topic: AnyTopicDefinition, naming: keyof typeof LOOKUP_STRATEGY) {
  return {
    kafka: {
      key: {
        type: 'string',
        description: `The aggregate id${topic.aggregate ? ` of the ${topic.aggregate}` : ''} as UTF-8; the partition is murmur2(key) as the Java client computes it`,
      },
      schemaIdLocation: 'payload',
      schemaIdPayloadEncoding: 'confluent',
      schemaLookupStrategy: LOOKUP_STRATEGY[naming],
      bindingVersion: KAFKA_BINDING_VERSION,
    },
  };
}

function channelBinding(topic: string, settings: Pick<AnyTopicDefinition, 'partitions' | 'replicationFactor'>) {
  return {
    kafka: {
      topic,
      ...(settings.partitions === undefined ? {} : { partitions: settings.partitions }),
      ...(settings.replicationFactor === undefined ? {} : { replicas: settings.replicationFactor }),
      bindingVersion: KAFKA_BINDING_VERSION,
    },
  };
}

/**
 * An AsyncAPI 3.0 document of topics: a channel per topic (address and Kafka binding), one
 * message per event type with its Avro envelope schema, the key and schema-id encoding as
 * message bindings, the envelope headers, and a dead-letter channel per topic.
 *
 * @example
 * const document = asyncApiDocument([UserAccountTopic], { title: 'Auth events', version: '1.0.0' });
 */
export function asyncApiDocument(topics: readonly AnyTopicDefinition[], options: AsyncApiOptions = {}) {
  const naming = options.subjectNaming ?? 'topic-record';
  // Subject names are the serde's; building one makes no registry request.
  const subjects = createSerde({
    registry: { url: 'http://registry.invalid' },
    subjectNaming: naming as SubjectNaming,
  });
  const deadLetterTopic = options.deadLetterTopic ?? ((topic: string) => `${topic}.dlt`);
  const channels: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  for (const topic of topics) {
    const channelMessages: Record<string, unknown> = {};
    const deadLetterMessages: Record<string, unknown> = {};
    for (const event of topic.events as readonly AnyEventDefinition[]) {
      const messageId = messages[event.type] === undefined ? event.type : `${topic.name}.${event.type}`;
      schemas[event.fullName] = { schemaFormat: AVRO_SCHEMA_FORMAT, schema: event.envelopeSchema };
      const payload = { $ref: `#/components/schemas/${event.fullName}` };
      messages[messageId] = {
        name: event.type,
        title: `${event.type} v${event.version}`,
        ...(event.description ? { summary: event.description } : {}),
        contentType: ENVELOPE_CONTENT_TYPE,
        headers: envelopeHeaders(event),
        payload,
        correlationId: { location: `$message.header#/${EVENT_HEADERS.correlationId}` },
        bindings: keyBinding(topic, naming),
        'x-kbus-subject': subjects.subject(topic.name, event),
        'x-kbus-version': event.version,
      };
      channelMessages[messageId] = { $ref: `#/components/messages/${messageId}` };
      const deadLetterId = `${messageId}.dead-letter`;
      messages[deadLetterId] = {
        name: `${event.type} (dead letter)`,
        title: `${event.type} v${event.version}, dead-lettered`,
        summary: `A ${event.type} record that could not be handled: the original key, value and headers, plus the dead-letter headers.`,
        contentType: ENVELOPE_CONTENT_TYPE,
        headers: deadLetterHeaders(),
        payload,
        bindings: keyBinding(topic, naming),
      };
      deadLetterMessages[deadLetterId] = { $ref: `#/components/messages/${deadLetterId}` };
    }
    channels[topic.name] = {
      address: topic.name,
      title: topic.name,
      description: `Events of ${topic.aggregate ? `the ${topic.aggregate} aggregate` : 'one aggregate type'}, keyed by aggregate id: all events of one aggregate are on one partition, in order.`,
      messages: channelMessages,
      bindings: channelBinding(topic.name, topic),
    };
    operations[`publish.${topic.name}`] = {
      action: 'send',
      title: `Publish to ${topic.name}`,
      channel: { $ref: `#/channels/${topic.name}` },
      messages: Object.keys(channelMessages).map((id) => ({ $ref: `#/channels/${topic.name}/messages/${id}` })),
    };
    const dlt = deadLetterTopic(topic.name);
    if (dlt) {
      const undecodableId = `${topic.name}.undecodable.dead-letter`;
      messages[undecodableId] = {
        name: 'undecodable (dead letter)',
        summary: `A record of ${topic.name} that could not be decoded (not wire format, unknown schema id, unknown type): its bytes as they were.`,
        headers: deadLetterHeaders(),
        payload: { type: 'string', format: 'binary' },
      };
      deadLetterMessages[undecodableId] = { $ref: `#/components/messages/${undecodableId}` };
      channels[dlt] = {
        address: dlt,
        title: dlt,
        description: `Dead letters of ${topic.name}: records its subscribers could not handle. \`kbus dlt redrive ${dlt}\` sends them back.`,
        messages: deadLetterMessages,
        // Created with the source's partition count and the broker's default replication.
        bindings: channelBinding(dlt, topic.partitions === undefined ? {} : { partitions: topic.partitions }),
      };
    }
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: options.title ?? 'Event catalogue',
      version: options.version ?? '0.0.0',
      ...(options.description ? { description: options.description } : {}),
    },
    defaultContentType: ENVELOPE_CONTENT_TYPE,
    channels,
    operations,
    components: { schemas, messages },
  };
}
