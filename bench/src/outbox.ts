/**
 * The outbox relay's throughput: events written through the outbox (committed in
 * PostgreSQL beforehand) and relayed to Kafka, against publishing the same events directly
 * with the publisher (publishMany in chunks of the relay's batch size). Both end when the
 * broker acknowledged every event. Needs PostgreSQL (KBUS_TEST_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres).
 */
import { createOutbox, createRelay, migrate } from '@kbus/outbox';
import { createPublisher } from '@kbus/publisher';
import { deleteTopics, uniqueName } from '@kbus/testkit';
import pg from 'pg';
import {
  alternate,
  intEnv,
  log,
  machine,
  median,
  medianRatio,
  type ResultRow,
  RssSampler,
  report,
  row,
  rssOf,
  runsOf,
} from './common.ts';
import { BenchAccountCreated, benchTopic, connection, KEYS, payloads } from './contracts.ts';

const EVENTS = intEnv('BENCH_OUTBOX_EVENTS', 20_000);
const ROUNDS = intEnv('BENCH_OUTBOX_ROUNDS', 3);
const BATCH = intEnv('BENCH_OUTBOX_BATCH', 500);
const DATABASE_URL = process.env.KBUS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const started = Date.now();
const { brokers, registryUrl } = connection();
const topic = benchTopic('outbox');
const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
const sampler = new RssSampler();
const topics: string[] = [topic.name];
const schemas: string[] = [];

async function direct(): Promise<{ eventsPerS: number }> {
  const events = payloads(EVENTS, KEYS);
  await using publisher = createPublisher({
    brokers,
    registry: { url: registryUrl },
    topics: [topic],
    clientId: 'bench-direct',
  });
  await publisher.connect();
  const t0 = performance.now();
  for (let i = 0; i < events.length; i += BATCH) {
    await publisher.publishMany(events.slice(i, i + BATCH).map((payload) => ({ event: BenchAccountCreated, payload })));
  }
  return { eventsPerS: EVENTS / ((performance.now() - t0) / 1000) };
}

async function relayed(): Promise<{ eventsPerS: number; writeEventsPerS: number }> {
  const schema = uniqueName('bench_outbox').replaceAll('-', '_');
  schemas.push(schema);
  await migrate(pool, { schema });
  const outbox = createOutbox({ topics: [topic], source: 'bench', registry: { url: registryUrl }, schema });
  await outbox.prepare();
  // Written beforehand, in transactions of 100 events (not timed against the relay).
  const events = payloads(EVENTS, KEYS);
  const w0 = performance.now();
  for (let i = 0; i < events.length; i += 100) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      for (const payload of events.slice(i, i + 100)) await outbox.add(client, BenchAccountCreated, payload);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  }
  const writeEventsPerS = EVENTS / ((performance.now() - w0) / 1000);
  const relay = createRelay({ connectionString: DATABASE_URL, schema, brokers, batchSize: BATCH, pollIntervalMs: 50 });
  const t0 = performance.now();
  await relay.start();
  await relay.drained(300_000);
  const eventsPerS = EVENTS / ((performance.now() - t0) / 1000);
  await relay.stop();
  return { eventsPerS, writeEventsPerS };
}

try {
  await using setup = createPublisher({
    brokers,
    registry: { url: registryUrl },
    topics: [topic],
    clientId: 'bench-setup',
  });
  await setup.ensureTopics();
  const runs = await alternate<{ eventsPerS: number; writeEventsPerS?: number }>(
    ROUNDS,
    [
      ['direct', direct],
      ['relay', relayed],
    ],
    sampler,
    log,
  );
  const value = (variant: string) => median(runsOf(runs, variant).map((r) => r.result.eventsPerS));
  const rows: ResultRow[] = [
    row({
      benchmark: `outbox: relay throughput, batches of ${BATCH}`,
      metric: 'events/s',
      baseline: `publisher.publishMany (chunks of ${BATCH})`,
      baselineValue: value('direct'),
      sdk: 'outbox relay (read, publish, mark)',
      sdkValue: value('relay'),
      ratio: medianRatio(runs, 'relay', 'direct', (r) => r.eventsPerS),
      better: 'higher',
      rssPeakMb: rssOf(runs, 'direct', 'relay'),
      note: `${EVENTS} events committed beforehand; the relay reads them in position order, publishes and marks them; writing them through outbox.add ran at ${Math.round(median(runsOf(runs, 'relay').map((r) => r.result.writeEventsPerS ?? 0)))} events/s (transactions of 100)`,
    }),
  ];
  report({
    name: 'outbox',
    startedAt: new Date(started).toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    machine: machine(),
    config: { EVENTS, ROUNDS, BATCH, KEYS },
    rows,
    details: { runs },
  });
} finally {
  await sampler.close();
  for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
  await deleteTopics(topics, { withSubjects: true });
}
