// First: an older Node.js gets one clear message before anything else loads.
import '@kbus/core/node-check';

export { createKafkaClient } from './client.ts';
export { isOwnershipLost } from './errors.ts';
export {
  type EventRecordOptions,
  eventEnvelope,
  eventRecord,
  eventRoutes,
  placeEventRecord,
  type UnplacedEventRecord,
  unplacedEventRecord,
} from './event-record.ts';
export { fromClientError } from './kafkajs/errors.ts';
export { murmur2, partitionForKey } from './murmur2.ts';
export {
  brokersOption,
  clientOptionsSchema,
  kafkaClientOption,
  producerOptionsSchema,
  saslOption,
  sslOption,
} from './options.ts';
export { type PartitionCountSource, PartitionCounts, type PartitionCountsOptions } from './partition-counts.ts';
export type {
  Admin,
  Assignment,
  BatchContext,
  ClientOptions,
  ConsumedBatch,
  ConsumedRecord,
  Consumer,
  ConsumerEvents,
  ConsumerOptions,
  GroupDescription,
  HeaderValue,
  KafkaClient,
  NewTopic,
  OAuthBearerToken,
  OffsetToCommit,
  OutgoingRecord,
  PartitionAck,
  PartitionInfo,
  Pem,
  Producer,
  ProducerOptions,
  SaslOptions,
  TlsOptions,
  TopicInfo,
  TopicRecords,
} from './types.ts';
