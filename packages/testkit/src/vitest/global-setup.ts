/**
 * Vitest global setup: makes sure a real Kafka cluster and schema registry are there before
 * any integration test runs, and tells the tests where (KAFKA_BROKERS, SCHEMA_REGISTRY_URL).
 *
 * The provider, chosen by KBUS_TEST_PROVIDER or else automatically:
 * - `external`: KAFKA_BROKERS and SCHEMA_REGISTRY_URL are set; that cluster is used, nothing
 *   is started (the automatic choice whenever both are set).
 * - `container`: testcontainers starts Kafka (KRaft) and Apicurio Registry containers and
 *   removes them after the run (the automatic choice when a Docker engine answers).
 * - `process`: the local JVM stack (`npx kbus-stack`) is reused if it runs, or started, and
 *   then stopped after the run unless KBUS_KEEP_STACK=1 (the automatic choice otherwise).
 *
 * KBUS_KAFKA_VERSION picks the Kafka version of the process stack (default 4.3.1; 3.9.2 is
 * tested too) and KBUS_TEST_BROKERS the number of nodes (1 or 3, default 1). Left unset, a
 * running process stack of any version and size is reused.
 */
import {
  containerImagesPresent,
  dockerAvailable,
  startContainerStack,
  testcontainersInstalled,
} from '../containers/load.ts';
import { quietKafkajsTimerWarning } from '../quiet-kafkajs-warning.ts';
import { secureStackStartedAt } from '../secure-stack.ts';
import { down, up } from '../stack/stack.ts';

quietKafkajsTimerWarning();

type Provider = 'external' | 'container' | 'process';

const say = (line: string) => process.stderr.write(`[kbus] ${line}\n`);

async function chooseProvider(): Promise<{ provider: Provider; why: string }> {
  const asked = process.env.KBUS_TEST_PROVIDER;
  if (asked) {
    if (asked !== 'external' && asked !== 'container' && asked !== 'process') {
      throw new Error(`KBUS_TEST_PROVIDER must be external, container or process; got "${asked}"`);
    }
    return { provider: asked, why: 'KBUS_TEST_PROVIDER' };
  }
  if (process.env.KAFKA_BROKERS && process.env.SCHEMA_REGISTRY_URL) {
    return { provider: 'external', why: 'KAFKA_BROKERS and SCHEMA_REGISTRY_URL are set' };
  }
  if (!(await testcontainersInstalled())) {
    return { provider: 'process', why: 'testcontainers (an optional peer of @kbus/testkit) is not installed' };
  }
  if (!(await dockerAvailable())) return { provider: 'process', why: 'no Docker engine answers' };
  const images = await containerImagesPresent().catch(() => ({
    present: false,
    missing: ['(the engine did not list its images)'],
  }));
  if (images.present) return { provider: 'container', why: 'a Docker engine answers and has the images' };
  return {
    provider: 'process',
    why: `a Docker engine answers but lacks ${images.missing.join(', ')}; pull or build them, or set KBUS_TEST_PROVIDER=container to let testcontainers pull`,
  };
}

function expose(brokers: string, registryUrl: string): () => void {
  process.env.KAFKA_BROKERS = brokers;
  process.env.SCHEMA_REGISTRY_URL = registryUrl;
  return () => {
    delete process.env.KAFKA_BROKERS;
    delete process.env.SCHEMA_REGISTRY_URL;
  };
}

export default async function setup(): Promise<() => Promise<void>> {
  const started = Date.now();
  const teardown = await provide();
  return async () => {
    await teardown?.();
    // Security tests start the secured stack on first use; stop it if this run started it.
    const secureSince = secureStackStartedAt();
    if (secureSince !== undefined && secureSince >= started && process.env.KBUS_KEEP_STACK !== '1') {
      await down(undefined, 'secure');
    }
  };
}

async function provide(): Promise<(() => Promise<void>) | undefined> {
  const { provider, why } = await chooseProvider();
  const brokers = process.env.KBUS_TEST_BROKERS === '3' ? 3 : process.env.KBUS_TEST_BROKERS === '1' ? 1 : undefined;
  if (provider === 'external') {
    if (!process.env.KAFKA_BROKERS || !process.env.SCHEMA_REGISTRY_URL) {
      throw new Error('the external provider needs KAFKA_BROKERS and SCHEMA_REGISTRY_URL');
    }
    say(`provider: external (${why}): KAFKA_BROKERS=${process.env.KAFKA_BROKERS}`);
    return undefined;
  }
  if (provider === 'container') {
    const started = Date.now();
    const stack = await startContainerStack({ brokers: brokers ?? 1 });
    const forget = expose(stack.kafkaBrokers, stack.schemaRegistryUrl);
    say(
      `provider: container (${why}): ${brokers ?? 1} broker(s) at ${stack.kafkaBrokers}, started in ${Date.now() - started} ms`,
    );
    return async () => {
      await stack.stop();
      forget();
    };
  }
  const result = await up(
    {
      ...(brokers ? { brokers } : {}),
      ...(process.env.KBUS_KAFKA_VERSION ? { kafkaVersion: process.env.KBUS_KAFKA_VERSION } : {}),
    },
    (line) => process.stderr.write(`[kbus stack] ${line}\n`),
  );
  const forget = expose(result.kafkaBrokers, result.schemaRegistryUrl);
  process.env.KBUS_KAFKA_VERSION = result.kafkaVersion;
  say(
    `provider: process (${why}): ${result.reused ? 'reusing' : 'started'} Kafka ${result.kafkaVersion} (${result.brokers} node(s)) at ${result.kafkaBrokers}`,
  );
  if (result.reused || process.env.KBUS_KEEP_STACK === '1') return undefined;
  return async () => {
    await down();
    forget();
  };
}
