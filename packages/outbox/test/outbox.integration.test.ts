import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createSerde } from '@kbus/core';
import { createPublisher } from '@kbus/publisher';
import { deleteTopics, readTopic, testStack, uniqueName, waitFor } from '@kbus/testkit';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createOutbox, createRelay } from '../src/index.ts';
import { BalanceChanged, DATABASE_URL, freshDatabase, ledgerTopic } from './fixtures.ts';

async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, commit = true): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query(commit ? 'COMMIT' : 'ROLLBACK');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

async function ensureTopic(topic: ReturnType<typeof ledgerTopic>) {
  const stack = testStack();
  await using publisher = createPublisher({
    brokers: stack.brokers,
    registry: { url: stack.registryUrl },
    topics: [topic],
  });
  await publisher.ensureTopics();
}

/** Event ids in Kafka order per aggregate, first occurrence only (a re-publish repeats an id). */
async function kafkaOrder(topic: ReturnType<typeof ledgerTopic>, minRecords: number) {
  const serde = createSerde({ registry: { url: testStack().registryUrl } });
  const order = new Map<string, string[]>();
  const seen = new Set<string>();
  let records = 0;
  for (const record of await readTopic(topic.name, { minRecords })) {
    records++;
    const { envelope } = await serde.decode(topic, record.value);
    if (seen.has(envelope.id)) continue;
    seen.add(envelope.id);
    order.set(envelope.aggregateId, [...(order.get(envelope.aggregateId) ?? []), envelope.id]);
  }
  return { order, distinct: seen, records };
}

/** A ledger topic created on the broker and an outbox for it in `schema`, ready to add to. */
async function ledgerOutbox(schema: string, prefix: string) {
  const topic = ledgerTopic(uniqueName(prefix));
  await ensureTopic(topic);
  const stack = testStack();
  const outbox = createOutbox({ topics: [topic], source: 'ledger', registry: { url: stack.registryUrl }, schema });
  await outbox.prepare();
  return { topic, stack, outbox };
}

describe('transactional outbox on PostgreSQL', () => {
  it('publishes events of committed transactions, never those of rolled-back ones', async () => {
    await using db = await freshDatabase();
    const { topic, stack, outbox } = await ledgerOutbox(db.schema, 'outbox');
    try {
      const committed: string[] = [];
      const rolledBack: string[] = [];
      for (let i = 0; i < 40; i++) {
        const commit = i % 3 !== 1;
        const accountId = `acc-${i % 5}`;
        const added = await inTransaction(
          db.pool,
          async (tx) => {
            await tx.query(
              `INSERT INTO "${db.schema}".balances VALUES ($1, $2) ON CONFLICT (account_id) DO UPDATE SET balance = balances.balance + $2`,
              [accountId, i],
            );
            return outbox.add(tx, BalanceChanged, { accountId, writer: 'w', amount: i });
          },
          commit,
        );
        (commit ? committed : rolledBack).push(added.eventId);
      }
      await using relay = createRelay({
        connectionString: DATABASE_URL,
        schema: db.schema,
        brokers: stack.brokers,
        pollIntervalMs: 100,
      });
      await relay.start();
      await relay.drained();
      const { distinct, records } = await kafkaOrder(topic, committed.length);
      expect(records).toBe(committed.length);
      expect([...distinct].sort()).toEqual([...committed].sort());
      expect(rolledBack.filter((id) => distinct.has(id))).toEqual([]);
      expect(relay.stats()).toMatchObject({ leader: true, published: committed.length });
      // Rolled back transactions did not take sequence numbers either: per aggregate they are 1..n.
      const { rows } = await db.pool.query(
        `SELECT aggregate_id, array_agg(aggregate_seq ORDER BY aggregate_seq) AS seqs FROM "${db.schema}".kbus_outbox GROUP BY 1`,
      );
      for (const row of rows as Array<{ seqs: string[] }>)
        expect(row.seqs.map(Number)).toEqual(row.seqs.map((_, i) => i + 1));
    } finally {
      await deleteTopics([topic.name], { withSubjects: true });
    }
  });

  it('with two relays and the leader killed mid-batch, publishes every committed event in commit order per aggregate', async () => {
    await using db = await freshDatabase();
    const { topic, stack, outbox } = await ledgerOutbox(db.schema, 'outbox-failover');
    const children: ReturnType<typeof fork>[] = [];
    const script = fileURLToPath(new URL('./support/relay-process.ts', import.meta.url));
    const startRelay = async (env: Record<string, string>) => {
      const child = fork(script, [], {
        execArgv: ['--conditions=source', '--no-warnings'],
        env: {
          ...process.env,
          RELAY_DATABASE_URL: DATABASE_URL,
          RELAY_SCHEMA: db.schema,
          KAFKA_BROKERS: stack.brokers.join(','),
          ...env,
        },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code, signal) => reject(new Error(`relay exited early (${code ?? signal})`)));
      });
      return child;
    };
    try {
      // Each transaction changes the account's balance row (locked until it ends) and adds
      // an event. The row's committed version is the account's commit order; the order in
      // which COMMITs return to this process is not (a backend can release its locks and
      // be descheduled before it answers, while the next transaction commits).
      const committed: Array<{ accountId: string; version: number; eventId: string }> = [];
      const writer = async (name: string, count: number) => {
        for (let i = 0; i < count; i++) {
          const accountId = `acc-${(i * 7 + name.length) % 6}`;
          const rollback = i % 9 === 4;
          const change = await inTransaction(
            db.pool,
            async (tx) => {
              const { rows } = await tx.query<{ version: number }>(
                `INSERT INTO "${db.schema}".balances AS b (account_id, balance) VALUES ($1, $2) ` +
                  'ON CONFLICT (account_id) DO UPDATE SET balance = b.balance + $2, version = b.version + 1 RETURNING version',
                [accountId, i],
              );
              const added = await outbox.add(tx, BalanceChanged, { accountId, writer: name, amount: i });
              return { accountId, version: (rows[0] as { version: number }).version, eventId: added.eventId };
            },
            !rollback,
          );
          if (!rollback) committed.push(change);
        }
      };
      // Concurrent writers: transactions of one aggregate interleave and wait for each other.
      await Promise.all([writer('alpha', 150), writer('beta', 150), writer('gamma-writer', 150)]);
      const total = committed.length;
      const commitOrder = new Map<string, string[]>();
      const versions = new Map<string, number[]>();
      for (const c of committed.sort((a, b) => a.version - b.version)) {
        commitOrder.set(c.accountId, [...(commitOrder.get(c.accountId) ?? []), c.eventId]);
        versions.set(c.accountId, [...(versions.get(c.accountId) ?? []), c.version]);
      }
      // The ground truth holds: each account's committed versions are exactly 1..n.
      for (const list of versions.values()) expect(list).toEqual(list.map((_, i) => i + 1));

      const doomed = await startRelay({ RELAY_CRASH_AFTER_BATCH: '3', RELAY_BATCH_SIZE: '40' });
      const aboutToCrash = new Promise((resolve) => doomed.once('message', resolve));
      await waitFor(() => aboutToCrash.then(() => true), {
        timeoutMs: 60_000,
        description: 'the leader to publish its third batch',
      });
      // Both relays run: the second waits on the leader lock.
      const survivor = await startRelay({ RELAY_BATCH_SIZE: '40' });
      doomed.send('crash');
      await waitFor(() => doomed.signalCode === 'SIGKILL', { timeoutMs: 30_000, description: 'the leader to die' });
      const { rows: marked } = await db.pool.query(
        `SELECT count(*)::int AS n FROM "${db.schema}".kbus_outbox WHERE published_at IS NOT NULL`,
      );
      // It died after the broker acknowledged batch 3 and before marking it (unless the
      // survivor already took over and marked more).
      expect((marked[0] as { n: number }).n).toBeGreaterThanOrEqual(80);
      await createRelay({ connectionString: DATABASE_URL, schema: db.schema, brokers: stack.brokers }).drained(60_000);
      survivor.kill('SIGTERM');

      const { order, distinct, records } = await kafkaOrder(topic, total);
      expect(distinct.size).toBe(total);
      expect(records).toBeGreaterThan(total); // Batch 3 went out twice: at-least-once.
      for (const [accountId, ids] of commitOrder) expect(order.get(accountId), accountId).toEqual(ids);
    } finally {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await deleteTopics([topic.name], { withSubjects: true });
    }
  });
});
