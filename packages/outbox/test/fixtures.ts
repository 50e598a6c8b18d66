import { defineEvent, defineTopic } from '@kbus/core';
import { uniqueName } from '@kbus/testkit';
import pg from 'pg';
import * as z from 'zod';
import { migrate } from '../src/index.ts';

export const DATABASE_URL = process.env.KBUS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const BalanceChanged = defineEvent({
  type: 'account.balance-changed',
  version: 1,
  namespace: 'com.acme.outbox',
  schema: z.object({ accountId: z.string(), writer: z.string(), amount: z.int() }),
  aggregateId: (p) => p.accountId,
});

export function ledgerTopic(name: string) {
  return defineTopic({ name, aggregate: 'account', events: [BalanceChanged], partitions: 3 });
}

/**
 * A fresh PostgreSQL schema with the outbox tables and a balances table; dropped on dispose.
 * A balance's `version` counts its committed changes: the order of an account's transactions
 * as PostgreSQL committed them, told by the application's data rather than by the outbox.
 */
export async function freshDatabase() {
  const schema = uniqueName('kbus_test').replaceAll('-', '_').toLowerCase();
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 8 });
  await migrate(pool, { schema });
  await pool.query(
    `CREATE TABLE "${schema}".balances (account_id text PRIMARY KEY, balance bigint NOT NULL, version int NOT NULL DEFAULT 1)`,
  );
  return {
    schema,
    pool,
    async [Symbol.asyncDispose]() {
      await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
      await pool.end();
    },
  };
}
