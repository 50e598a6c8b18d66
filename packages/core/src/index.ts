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
export { avroType } from './avro/logical-types.ts';
export type { AvroField, AvroRecord, AvroSchema } from './avro/schema.ts';
export { stableStringify } from './avro/schema.ts';
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
  formatPath,
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
  type PublishBatchMessage,
  type PublishContext,
  type RebalanceMessage,
  type RecordOutcomeMessage,
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
  envelopeHeaders,
  HEADER_SETS,
  type HeaderSet,
  headerString,
} from './serde/headers.ts';
export { RegistryClient, type RegistryOptions } from './serde/registry.ts';
export {
  createSerde,
  type DecodedEvent,
  type Encoder,
  readSchemaId,
  Serde,
  type SerdeOptions,
  type SubjectNaming,
  WIRE_HEADER_SIZE,
} from './serde/serde.ts';
