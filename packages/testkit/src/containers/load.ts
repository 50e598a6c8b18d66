import type * as ContainerStackModule from './container-stack.ts';
import type { ContainerStack, ContainerStackOptions } from './container-stack.ts';

const MISSING_PEER =
  "@kbus/testkit's container provider needs testcontainers, an optional peer dependency that is not installed: " +
  'run `npm install --save-dev testcontainers`, or use the local process stack (KBUS_TEST_PROVIDER=process) ' +
  'or a running cluster (KAFKA_BROKERS and SCHEMA_REGISTRY_URL).';

function isMissingTestcontainers(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    typeof message === 'string' &&
    /\btestcontainers\b/.test(message) &&
    (code === 'ERR_MODULE_NOT_FOUND' || /cannot find (package|module)|failed to (load|resolve)/i.test(message))
  );
}

/** testcontainers is not installed: the one error the automatic provider choice answers with "use another". */
class TestcontainersMissing extends Error {
  override readonly name = 'TestcontainersMissing';
}

let loading: Promise<typeof ContainerStackModule> | undefined;

/** The container provider, loaded on first use: only it needs testcontainers. */
function loadContainerStack(): Promise<typeof ContainerStackModule> {
  loading ??= import('./container-stack.ts').catch((error: unknown) => {
    loading = undefined;
    throw isMissingTestcontainers(error) ? new TestcontainersMissing(MISSING_PEER, { cause: error }) : error;
  });
  return loading;
}

/** Whether testcontainers can be loaded (the automatic provider choice skips containers without it). */
export async function testcontainersInstalled(): Promise<boolean> {
  try {
    await loadContainerStack();
    return true;
  } catch (error) {
    if (error instanceof TestcontainersMissing) return false;
    throw error;
  }
}

/**
 * True when a container engine answers within `timeoutMs` (default 5 s), as testcontainers
 * finds it (DOCKER_HOST, ~/.testcontainers.properties, the default socket).
 */
export async function dockerAvailable(timeoutMs?: number): Promise<boolean> {
  return (await loadContainerStack()).dockerAvailable(timeoutMs);
}

/**
 * Starts a 1- or 3-node KRaft cluster and an Apicurio Registry on a private Docker network
 * (see `container-stack.ts` for the listeners and what "ready" means).
 */
export async function startContainerStack(options?: ContainerStackOptions): Promise<ContainerStack> {
  return (await loadContainerStack()).startContainerStack(options);
}

/** Whether the container stack can start without pulling anything (the images are present locally). */
export async function containerImagesPresent(
  options?: ContainerStackOptions,
): Promise<{ present: boolean; missing: string[] }> {
  return (await loadContainerStack()).containerImagesPresent(options);
}
