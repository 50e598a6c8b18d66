/** Where the tests' Kafka cluster and schema registry are. */
export interface TestStack {
  readonly brokers: readonly string[];
  /** Base URL of the Confluent-compatible API. */
  readonly registryUrl: string;
}

/**
 * The cluster the tests run against: KAFKA_BROKERS and SCHEMA_REGISTRY_URL, which the
 * test kit's global setup sets after starting (or reusing) the stack, or which the user set
 * to point the tests at a cluster of their own.
 */
export function testStack(env: NodeJS.ProcessEnv = process.env): TestStack {
  const brokers = env.KAFKA_BROKERS;
  const registryUrl = env.SCHEMA_REGISTRY_URL;
  if (!brokers || !registryUrl) {
    throw new Error(
      "KAFKA_BROKERS and SCHEMA_REGISTRY_URL are not set. Run the tests through vitest with the test kit's global setup " +
        "(`globalSetup: ['@kbus/testkit/global-setup']` in vitest.config), or start a stack with `npx kbus-stack up` " +
        'and export the two lines it prints (`eval "$(npx kbus-stack up)"`).',
    );
  }
  return {
    brokers: brokers
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    registryUrl: registryUrl.replace(/\/$/, ''),
  };
}

/** A name no other test uses: `<prefix>-<time>-<random>`, valid as a topic, group or subject. */
export function uniqueName(prefix = 't'): string {
  const safe = prefix.replace(/[^a-zA-Z0-9._-]/g, '-');
  return `${safe}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
