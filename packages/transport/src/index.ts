export { fromClientError, isOwnershipLost } from './errors.ts';
export { createKafkaClient } from './kafkajs.ts';
export { murmur2, partitionForKey } from './murmur2.ts';
export {
  brokersOption,
  clientOptionsSchema,
  kafkaClientOption,
  producerOptionsSchema,
  saslOption,
  sslOption,
} from './options.ts';
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
  OffsetToCommit,
  OutgoingRecord,
  PartitionAck,
  PartitionInfo,
  Producer,
  ProducerOptions,
  TopicInfo,
  TopicRecords,
} from './types.ts';
