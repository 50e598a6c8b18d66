/**
 * `npm run reliability [-- --short] [--only id,id] [--producer-client platformatic]`: starts its own 3-node cluster (next to
 * any other stack), runs the fault scenarios one after another, writes the report
 * (docs/reliability.md for a full run) and exits 1 if any check failed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { passed, type ScenarioResult } from './result.ts';

const { values } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string' },
    'keep-stack': { type: 'boolean', default: false },
    'producer-client': { type: 'string' },
  },
});

// An independent stack: its own state folder and ports, so it never touches the test stack.
process.env.KBUS_STACK_DIR ??= join(
  process.env.KBUS_HOME ?? join(process.env.HOME ?? '/tmp', '.cache', 'kbus'),
  'reliability-stack',
);
process.env.KBUS_STACK_PORT_OFFSET ??= '500';
const { down, status, up } = await import('@kbus/testkit/stack');
const { quietKafkajsTimerWarning } = await import('@kbus/testkit');
const { reviveBrokers } = await import('./harness.ts');
quietKafkajsTimerWarning();

const short = values.short === true;
if (values['producer-client']) process.env.KBUS_RELIABILITY_PRODUCER_CLIENT = values['producer-client'];
const scenarios: Record<string, () => Promise<ScenarioResult>> = {
  'broker-loss': async () =>
    (await import('./scenarios/broker-loss.ts')).brokerLoss(short ? 20_000 : 100_000, short ? 500 : 1_500),
  'quorum-loss': async () => (await import('./scenarios/quorum-loss.ts')).quorumLoss(short ? 500 : 2_000),
  'consumer-crash': async () =>
    (await import('./scenarios/consumer-crash.ts')).memberFaults('crash', short ? 8_000 : 30_000, short ? 3 : 8),
  'rebalance-storm': async () =>
    (await import('./scenarios/consumer-crash.ts')).memberFaults('storm', short ? 8_000 : 30_000, short ? 4 : 12),
  poison: async () => (await import('./scenarios/poison.ts')).poison(short ? 200 : 1_000),
  'registry-outage': async () => (await import('./scenarios/registry-outage.ts')).registryOutage(short ? 500 : 2_000),
};
const selected = values.only ? values.only.split(',').map((s) => s.trim()) : Object.keys(scenarios);
for (const id of selected)
  if (!scenarios[id]) throw new Error(`unknown scenario ${id}; known: ${Object.keys(scenarios).join(', ')}`);

const log = (line: string) => process.stderr.write(`[reliability] ${line}\n`);
const stack = await up({ brokers: 3 }, log);
process.env.KAFKA_BROKERS = stack.kafkaBrokers;
process.env.SCHEMA_REGISTRY_URL = stack.schemaRegistryUrl;
log(`3-node cluster at ${stack.kafkaBrokers}`);

const results: ScenarioResult[] = [];
let failedToRun = false;
try {
  for (const id of selected) {
    log(`scenario ${id} …`);
    const run = scenarios[id] as () => Promise<ScenarioResult>;
    try {
      const result = await run();
      results.push(result);
      log(`scenario ${id}: ${passed(result) ? 'pass' : 'FAIL'} in ${(result.durationMs / 1000).toFixed(0)} s`);
      for (const check of result.checks) if (!check.ok) log(`  failed check: ${check.name}`);
    } catch (error) {
      failedToRun = true;
      log(`scenario ${id} could not complete: ${(error as Error)?.stack ?? String(error)}`);
    } finally {
      await reviveBrokers();
    }
  }
} finally {
  const registryVersion = status().state?.registryVersion ?? 'unknown';
  const { renderReport } = await import('./report.ts');
  const report = renderReport(results, {
    date: new Date().toISOString().slice(0, 10),
    kafkaVersion: stack.kafkaVersion,
    registryVersion,
    mode: short ? 'short' : 'full',
    command: `npm run reliability${short ? ' -- --short' : ''}${values.only ? ` --only ${values.only}` : ''}${values['producer-client'] ? ` --producer-client ${values['producer-client']}` : ''}`,
  });
  const out =
    values.out ??
    (short || values.only ? join('reliability', 'results', 'latest-short.md') : join('docs', 'reliability.md'));
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, report);
  log(`report written to ${out}`);
  process.stdout.write(report);
  if (!values['keep-stack']) await down(log);
}
process.exitCode = failedToRun || results.some((r) => !passed(r)) ? 1 : 0;
