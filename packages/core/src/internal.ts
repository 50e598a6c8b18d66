/**
 * What the sibling kbus packages (publisher, subscriber, outbox, …) share with `@kbus/core` and
 * a service does not need: no stability promise beyond the kbus packages of the same version.
 * @module
 */
import './node-check.ts';

export { avroType } from './avro/logical-types.ts';
export { stableStringify } from './avro/schema.ts';
export { formatPath, isTlsErrorCode } from './errors.ts';
export { envelopeHeaders, HEADER_SETS, headerString } from './serde/headers.ts';
export { RegistryClient } from './serde/registry.ts';
export { readSchemaId, WIRE_HEADER_SIZE } from './serde/serde.ts';
