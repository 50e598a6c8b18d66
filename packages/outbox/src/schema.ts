import { readFileSync } from 'node:fs';
import { KbusError } from '@kbus/core';
import type { TableOptions } from './options.ts';

/** Anything that runs a parameterised query like node-postgres: a pg Client, PoolClient or Pool. */
export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}

export interface OutboxTables {
  /** Quoted, qualified outbox table. */
  readonly outbox: string;
  /** Quoted, qualified sequence table. */
  readonly sequence: string;
  /** The LISTEN/NOTIFY channel. */
  readonly channel: string;
  readonly schema: string;
  readonly table: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,50}$/;

export function outboxTables(options: TableOptions = {}): OutboxTables {
  const schema = options.schema ?? 'public';
  const table = options.table ?? 'kbus_outbox';
  for (const [what, name] of [
    ['schema', schema],
    ['table', table],
  ] as const) {
    if (!IDENTIFIER.test(name)) {
      throw new KbusError(
        'INVALID_CONFIGURATION',
        `outbox ${what} "${name}" must be a lower-case SQL identifier ([a-z_][a-z0-9_]*)`,
      );
    }
  }
  return {
    outbox: `"${schema}"."${table}"`,
    sequence: `"${schema}"."${table}_sequence"`,
    channel: `${schema}_${table}`,
    schema,
    table,
  };
}

/** The migrations in order; each is idempotent, so running them all again is safe. */
const MIGRATIONS = ['001_outbox.sql', '002_trace_context.sql'];

/** The SQL of the migrations, for teams that run migrations with their own tool. */
export function migrationSql(options: TableOptions = {}): string {
  const tables = outboxTables(options);
  return MIGRATIONS.map((file) =>
    readFileSync(new URL(`../sql/${file}`, import.meta.url), 'utf8')
      .replaceAll('{{schema}}', `"${tables.schema}"`)
      .replaceAll('{{table}}', `"${tables.table}"`)
      .replaceAll('{{table_raw}}', tables.table),
  ).join('\n');
}

/**
 * Creates the outbox tables if they do not exist (idempotent).
 *
 * @example
 * await migrate(pool);
 */
export async function migrate(db: Queryable, options: TableOptions = {}): Promise<void> {
  const tables = outboxTables(options);
  await db.query(`CREATE SCHEMA IF NOT EXISTS "${tables.schema}"`);
  await db.query(migrationSql(options));
}
