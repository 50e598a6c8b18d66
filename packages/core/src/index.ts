import './node-check.ts';

export {
  COMPATIBILITY_LEVELS,
  type CompatibilityLevel,
  type CompatibilityResult,
  checkCompatibility,
  explain,
  type Incompatibility,
  type IncompatibilityRule,
  readerIncompatibilities,
} from './avro/compatibility.ts';
export { type PayloadMapping, type ZodToAvroOptions, zodToAvro } from './avro/from-zod.ts';
export type { AvroField, AvroRecord, AvroSchema } from './avro/schema.ts';
export { decimal } from './contracts/decimal.ts';
export { createEnvelope, type EnvelopeOptions } from './contracts/envelope.ts';
export {
  type AnyEventDefinition,
  type DefineEventOptions,
  defineEvent,
  type EnvelopeMetadata,
  type EnvelopeOf,
  type EventDefinition,
  type EventEnvelope,
  type PayloadInput,
  type PayloadOf,
  parsePayload,
} from './contracts/event.ts';
export {
  type AnyTopicDefinition,
  type DefineTopicOptions,
  defineTopic,
  type EventOfType,
  type EventsOf,
  type EventTypesOf,
  type TopicDefinition,
  type TopicSettings,
} from './contracts/topic.ts';
export { malformedStrings } from './contracts/well-formed.ts';
export { withinDeadline } from './deadline.ts';
export {
  type ErrorCode,
  isKbusError,
  KbusError,
  type KbusErrorOptions,
  ValidationError,
  type ValidationIssue,
} from './errors.ts';
export {
  type CommitMessage,
  channels,
  type HandleContext,
  type HeaderCarrier,
  type OutboxAddContext,
  type OutboxBacklogMessage,
  type PublishBatchMessage,
  type PublishContext,
  type PublishManyContext,
  type RawHeaders,
  type RebalanceMessage,
  type RecordOutcomeMessage,
  type RedriveContext,
  type RelayedRecord,
  type RelaySendContext,
} from './instrumentation.ts';
export { describeThrown, redact, redactValue, registerSecret } from './redact.ts';
export {
  assertCompatible,
  type CompatibilityOptions,
  checkDeclaredVersions,
  checkTopicCompatibility,
  type EventCompatibility,
} from './serde/compatibility.ts';
export {
  ENVELOPE_CONTENT_TYPE,
  EVENT_HEADERS,
  type HeaderSet,
} from './serde/headers.ts';
export type { RegistryAuth, RegistryOptions, RegistryTls } from './serde/registry.ts';
export {
  createSerde,
  type DecodedEvent,
  type Encoder,
  Serde,
  type SerdeOptions,
  type SubjectNaming,
} from './serde/serde.ts';
