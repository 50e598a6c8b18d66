import { randomUUID } from 'node:crypto';
import type { Outbox } from '@kbus/outbox';
import {
  UserAccountCreated,
  UserAccountDeactivated,
  UserAccountDeleted,
  type UserAccountTopicType,
  UserDisplayNameChanged,
  UserEmailChanged,
} from '@kbus-examples/contracts';
import type pg from 'pg';
import { AccountError } from './auth-service.ts';

type AccountOutbox = Outbox<readonly [UserAccountTopicType]>;

/**
 * The auth service as the original one worked: accounts live in PostgreSQL, and each change
 * and its event are written in one transaction through the outbox. A change that rolls
 * back (a taken e-mail address, a missing account) publishes nothing; a committed one is
 * always published, by the relay, in commit order per account.
 */
export class OutboxAuthService {
  private readonly pool: pg.Pool;
  private readonly outbox: AccountOutbox;
  private readonly accounts: string;

  constructor(pool: pg.Pool, outbox: AccountOutbox, schema = 'public') {
    this.pool = pool;
    this.outbox = outbox;
    this.accounts = `"${schema}".accounts`;
  }

  /** Creates the accounts table (the outbox tables come from @kbus/outbox's migrate()). */
  static async migrate(pool: pg.Pool, schema = 'public'): Promise<void> {
    await pool.query(
      `CREATE TABLE IF NOT EXISTS "${schema}".accounts (
         account_id uuid PRIMARY KEY,
         email text NOT NULL UNIQUE,
         display_name text,
         status text NOT NULL DEFAULT 'active',
         revision integer NOT NULL
       )`,
    );
  }

  private async transaction<T>(work: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
    const tx = await this.pool.connect();
    try {
      await tx.query('BEGIN');
      const result = await work(tx);
      await tx.query('COMMIT');
      return result;
    } catch (error) {
      await tx.query('ROLLBACK');
      if ((error as { code?: string }).code === '23505')
        throw new AccountError('that e-mail address is already registered');
      throw error;
    } finally {
      tx.release();
    }
  }

  /** Bumps the revision of an active account, or fails (rolling the transaction back). */
  private async change(tx: pg.PoolClient, accountId: string, set: string, values: unknown[] = []): Promise<number> {
    const { rows } = await tx.query<{ revision: number }>(
      `UPDATE ${this.accounts} SET ${set}revision = revision + 1 WHERE account_id = $1 AND status = 'active' RETURNING revision`,
      [accountId, ...values],
    );
    if (!rows[0]) throw new AccountError(`account ${accountId} is not active`);
    return rows[0].revision;
  }

  register(email: string, displayName?: string): Promise<string> {
    return this.transaction(async (tx) => {
      const accountId = randomUUID();
      await tx.query(
        `INSERT INTO ${this.accounts} (account_id, email, display_name, revision) VALUES ($1, $2, $3, 1)`,
        [accountId, email, displayName ?? null],
      );
      await this.outbox.add(tx, UserAccountCreated, {
        accountId,
        revision: 1,
        email,
        ...(displayName ? { displayName } : {}),
      });
      return accountId;
    });
  }

  changeEmail(accountId: string, email: string): Promise<void> {
    return this.transaction(async (tx) => {
      const revision = await this.change(tx, accountId, 'email = $2, ', [email]);
      await this.outbox.add(tx, UserEmailChanged, { accountId, revision, email });
    });
  }

  changeDisplayName(accountId: string, displayName: string): Promise<void> {
    return this.transaction(async (tx) => {
      const revision = await this.change(tx, accountId, 'display_name = $2, ', [displayName]);
      await this.outbox.add(tx, UserDisplayNameChanged, { accountId, revision, displayName });
    });
  }

  deactivate(accountId: string, reason: 'USER_REQUEST' | 'ABUSE' | 'INACTIVITY'): Promise<void> {
    return this.transaction(async (tx) => {
      const revision = await this.change(tx, accountId, "status = 'deactivated', ");
      await this.outbox.add(tx, UserAccountDeactivated, { accountId, revision, reason });
    });
  }

  delete(accountId: string): Promise<void> {
    return this.transaction(async (tx) => {
      const { rows } = await tx.query<{ revision: number }>(
        `UPDATE ${this.accounts} SET status = 'deleted', revision = revision + 1 WHERE account_id = $1 AND status <> 'deleted' RETURNING revision`,
        [accountId],
      );
      if (!rows[0]) throw new AccountError(`account ${accountId} does not exist`);
      await this.outbox.add(tx, UserAccountDeleted, { accountId, revision: rows[0].revision, deletedAt: new Date() });
    });
  }
}
