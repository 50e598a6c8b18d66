import { randomUUID } from 'node:crypto';
import type { Publisher, PublishResult } from '@kbus/publisher';
import {
  UserAccountCreated,
  UserAccountDeactivated,
  UserAccountDeleted,
  type UserAccountTopicType,
  UserDisplayNameChanged,
  UserEmailChanged,
} from '@kbus-examples/contracts';

export interface Account {
  readonly accountId: string;
  email: string;
  displayName: string | undefined;
  status: 'active' | 'deactivated' | 'deleted';
  revision: number;
}

export class AccountError extends Error {
  override readonly name = 'AccountError';
}

/**
 * The auth service: it owns user accounts and publishes what happens to them, keyed by
 * account id. (State is in memory here; `OutboxAuthService` keeps it in PostgreSQL and
 * publishes through the transactional outbox.)
 */
export class AuthService {
  private readonly accounts = new Map<string, Account>();
  private readonly publisher: Publisher<readonly [UserAccountTopicType]>;
  /** Called with every publish result, for the demo's timeline. */
  onPublished: ((type: string, result: PublishResult) => void) | undefined;

  constructor(publisher: Publisher<readonly [UserAccountTopicType]>) {
    this.publisher = publisher;
  }

  account(accountId: string): Account | undefined {
    return this.accounts.get(accountId);
  }

  async register(email: string, displayName?: string): Promise<string> {
    const accountId = randomUUID();
    const account: Account = { accountId, email, displayName, status: 'active', revision: 1 };
    this.accounts.set(accountId, account);
    this.report(
      'user-account.created',
      await this.publisher.publish(UserAccountCreated, {
        accountId,
        revision: 1,
        email,
        ...(displayName ? { displayName } : {}),
      }),
    );
    return accountId;
  }

  async changeEmail(accountId: string, email: string): Promise<void> {
    const account = this.active(accountId);
    account.email = email;
    account.revision++;
    this.report(
      'user-account.email-changed',
      await this.publisher.publish(UserEmailChanged, { accountId, revision: account.revision, email }),
    );
  }

  async changeDisplayName(accountId: string, displayName: string): Promise<void> {
    const account = this.active(accountId);
    account.displayName = displayName;
    account.revision++;
    this.report(
      'user-account.display-name-changed',
      await this.publisher.publish(UserDisplayNameChanged, { accountId, revision: account.revision, displayName }),
    );
  }

  async deactivate(accountId: string, reason: 'USER_REQUEST' | 'ABUSE' | 'INACTIVITY'): Promise<void> {
    const account = this.active(accountId);
    account.status = 'deactivated';
    account.revision++;
    this.report(
      'user-account.deactivated',
      await this.publisher.publish(UserAccountDeactivated, { accountId, revision: account.revision, reason }),
    );
  }

  async delete(accountId: string): Promise<void> {
    const account = this.accounts.get(accountId);
    if (!account || account.status === 'deleted') throw new AccountError(`account ${accountId} does not exist`);
    account.status = 'deleted';
    account.revision++;
    this.report(
      'user-account.deleted',
      await this.publisher.publish(UserAccountDeleted, {
        accountId,
        revision: account.revision,
        deletedAt: new Date(),
      }),
    );
  }

  private active(accountId: string): Account {
    const account = this.accounts.get(accountId);
    if (account?.status !== 'active') throw new AccountError(`account ${accountId} is not active`);
    return account;
  }

  private report(type: string, result: PublishResult): void {
    this.onPublished?.(type, result);
  }
}
