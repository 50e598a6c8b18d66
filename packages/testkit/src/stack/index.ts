export { ensureMavenLibs } from './artifacts.ts';
export {
  brokerList,
  DEFAULT_KAFKA_VERSION,
  LEGACY_KAFKA_VERSION,
  REGISTRY_VERSION,
  type StackOptions,
  type StackVariant,
  stackPaths,
} from './config.ts';
export { StackError, type StackPart } from './errors.ts';
export type { Credentials, SecureMaterial } from './secure.ts';
export {
  down,
  endpointVariables,
  restartProcess,
  type SecureEndpoints,
  type StackEndpoints,
  type StackStatus,
  signalProcess,
  stackProcesses,
  status,
  type UpResult,
  up,
  waitForBrokers,
  waitForRegistry,
} from './stack.ts';
