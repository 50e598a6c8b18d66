import { defineEvent, defineTopic } from '@kbus/core';
import * as z from 'zod';

// The auth service owns user accounts; these are the facts it publishes about them.
// Every event carries the account's revision (1, 2, 3…) so readers can check order.
const NAMESPACE = 'com.example.auth';
const accountId = z.uuid().describe('Id of the user account (the aggregate id)');
const revision = z.int().positive().describe('Revision of the account after this change');

/** Version 1 of "created", as the first services were written against it. */
export const UserAccountCreatedV1 = defineEvent({
  type: 'user-account.created',
  version: 1,
  namespace: NAMESPACE,
  description: 'A user account was registered',
  schema: z.object({ accountId, revision, email: z.email() }),
  aggregateId: (p) => p.accountId,
});

/** Version 2 adds the display name, optional, so v1 readers and v2 readers understand each other. */
export const UserAccountCreated = defineEvent({
  type: 'user-account.created',
  version: 2,
  namespace: NAMESPACE,
  description: 'A user account was registered',
  schema: z.object({ accountId, revision, email: z.email(), displayName: z.string().min(1).optional() }),
  aggregateId: (p) => p.accountId,
  previous: UserAccountCreatedV1,
});

export const UserEmailChanged = defineEvent({
  type: 'user-account.email-changed',
  version: 1,
  namespace: NAMESPACE,
  schema: z.object({ accountId, revision, email: z.email() }),
  aggregateId: (p) => p.accountId,
});

export const UserDisplayNameChanged = defineEvent({
  type: 'user-account.display-name-changed',
  version: 1,
  namespace: NAMESPACE,
  schema: z.object({ accountId, revision, displayName: z.string().min(1) }),
  aggregateId: (p) => p.accountId,
});

export const UserAccountDeactivated = defineEvent({
  type: 'user-account.deactivated',
  version: 1,
  namespace: NAMESPACE,
  schema: z.object({ accountId, revision, reason: z.enum(['USER_REQUEST', 'ABUSE', 'INACTIVITY']) }),
  aggregateId: (p) => p.accountId,
});

export const UserAccountDeleted = defineEvent({
  type: 'user-account.deleted',
  version: 1,
  namespace: NAMESPACE,
  schema: z.object({ accountId, revision, deletedAt: z.date() }),
  aggregateId: (p) => p.accountId,
});

const events = [
  UserAccountCreated,
  UserEmailChanged,
  UserDisplayNameChanged,
  UserAccountDeactivated,
  UserAccountDeleted,
] as const;

/**
 * The user-account topic, keyed by account id: every event of one account lands on one
 * partition, in order. `name` lets a demo or a test run on its own copy.
 */
export function userAccountTopic(name = 'auth.user-account') {
  return defineTopic({ name, aggregate: 'user-account', events, partitions: 6 });
}

/** The same topic as a service written against v1 of "created" declares it. */
export function userAccountTopicV1(name = 'auth.user-account') {
  return defineTopic({
    name,
    aggregate: 'user-account',
    events: [UserAccountCreatedV1, ...events.slice(1)],
    partitions: 6,
  });
}

export const UserAccountTopic = userAccountTopic();
export type UserAccountTopicType = ReturnType<typeof userAccountTopic>;
