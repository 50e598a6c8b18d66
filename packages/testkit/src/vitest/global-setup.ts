/**
 * Vitest global setup: makes sure a real Kafka cluster and schema registry are there before
 * any integration test runs, and tells the tests where (KAFKA_BROKERS, SCHEMA_REGISTRY_URL).
 *
 * - If both variables are already set, that external cluster is used and nothing is started.
 * - Else the local stack (`npm run stack`) is reused if it runs, or started. A stack started
 *   here is stopped after the run unless KBUS_KEEP_STACK=1; a reused one is left running.
 *
 * KBUS_KAFKA_VERSION picks the Kafka version (default 4.3.1; 3.9.2 is tested too) and
 * KBUS_TEST_BROKERS the number of nodes (1 or 3, default 1). Left unset, a running stack of
 * any version and size is reused.
 */
import { quietKafkajsTimerWarning } from '../quiet-kafkajs-warning.ts';
import { down, up } from '../stack/stack.ts';

quietKafkajsTimerWarning();

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.KAFKA_BROKERS && process.env.SCHEMA_REGISTRY_URL) {
    process.stderr.write(`[kbus] using the cluster at KAFKA_BROKERS=${process.env.KAFKA_BROKERS}\n`);
    return undefined;
  }
  const brokers = process.env.KBUS_TEST_BROKERS;
  const result = await up(
    {
      ...(brokers === '1' || brokers === '3' ? { brokers: Number(brokers) as 1 | 3 } : {}),
      ...(process.env.KBUS_KAFKA_VERSION ? { kafkaVersion: process.env.KBUS_KAFKA_VERSION } : {}),
    },
    (line) => process.stderr.write(`[kbus stack] ${line}\n`),
  );
  process.env.KAFKA_BROKERS = result.kafkaBrokers;
  process.env.SCHEMA_REGISTRY_URL = result.schemaRegistryUrl;
  process.env.KBUS_KAFKA_VERSION = result.kafkaVersion;
  process.stderr.write(
    `[kbus] ${result.reused ? 'reusing' : 'started'} Kafka ${result.kafkaVersion} (${result.brokers} node(s)) at ${result.kafkaBrokers}\n`,
  );
  if (result.reused || process.env.KBUS_KEEP_STACK === '1') return undefined;
  return async () => {
    await down();
    delete process.env.KAFKA_BROKERS;
    delete process.env.SCHEMA_REGISTRY_URL;
  };
}
