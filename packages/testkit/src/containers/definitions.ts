// What the container provider's users name without loading testcontainers (an optional peer).

/** Images used when neither the options nor KBUS_KAFKA_IMAGE / KBUS_REGISTRY_IMAGE name one. */
export const DEFAULT_KAFKA_IMAGE = 'apache/kafka:4.3.1';
export const DEFAULT_REGISTRY_IMAGE = 'apicurio/apicurio-registry:3.3.3';
/** What docker/build-images.sh builds; used instead of the defaults when only these exist locally. */
export const LOCAL_KAFKA_IMAGE = 'kbus/kafka:4.3.1';
export const LOCAL_REGISTRY_IMAGE = 'kbus/apicurio-registry:3.3.3';

/** A failure to start the container stack, with the log tails of the containers involved. */
export class ContainerStackError extends Error {
  override readonly name = 'ContainerStackError';
  readonly logTail: string;

  constructor(message: string, logTail: string, cause?: unknown) {
    super(logTail ? `${message}\n${logTail}` : message, cause === undefined ? undefined : { cause });
    this.logTail = logTail;
  }
}
