export type { ContainerStack, ContainerStackOptions } from './container-stack.ts';
export {
  ContainerStackError,
  DEFAULT_KAFKA_IMAGE,
  DEFAULT_REGISTRY_IMAGE,
  LOCAL_KAFKA_IMAGE,
  LOCAL_REGISTRY_IMAGE,
} from './definitions.ts';
export { containerImagesPresent, dockerAvailable, startContainerStack } from './load.ts';
