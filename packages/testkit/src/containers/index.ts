export {
  type ContainerStack,
  ContainerStackError,
  type ContainerStackOptions,
  containerImagesPresent,
  DEFAULT_KAFKA_IMAGE,
  DEFAULT_REGISTRY_IMAGE,
  dockerAvailable,
  LOCAL_KAFKA_IMAGE,
  LOCAL_REGISTRY_IMAGE,
  startContainerStack,
} from './container-stack.ts';
