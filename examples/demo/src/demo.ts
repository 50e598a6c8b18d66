/**
 * `npm run demo`: the user-account story on the local stack (started if needed, reused if
 * running, left running). Exits 0 when every check of the story held.
 * `npm run demo -- --trace` (or KBUS_DEMO_TRACE=1) also prints one account's traces, as
 * OpenTelemetry recorded them through @kbus/otel.
 */
import { up } from '@kbus/testkit/stack';
import { runStory } from './story.ts';
import { startTracing } from './trace-tree.ts';

const tracing = process.argv.includes('--trace') || process.env.KBUS_DEMO_TRACE === '1' ? startTracing() : undefined;

const stack = await up({}, (line) => console.log(`[stack] ${line}`));
console.log(`Kafka ${stack.kafkaVersion} at ${stack.kafkaBrokers}, schema registry at ${stack.schemaRegistryUrl}\n`);

process.env.KAFKA_BROKERS = stack.kafkaBrokers;
process.env.SCHEMA_REGISTRY_URL = stack.schemaRegistryUrl;
const result = await runStory({ runId: Date.now().toString(36) });
if (tracing) {
  console.log('');
  tracing.printAccount((line) => console.log(line));
  await tracing.stop();
}

console.log('');
if (result.failures.length > 0) {
  console.error(`demo FAILED: ${result.failures.length} check(s) did not hold:\n  ${result.failures.join('\n  ')}`);
  process.exitCode = 1;
} else {
  console.log(`demo ok: ${result.published} events on ${result.topic}, read by ${result.groups.join(' and ')}.`);
}
console.log('The local stack keeps running; stop it with: npm run stack -- down');
