import { defineEvent, defineTopic } from '@kbus/core';
import { describe, expectTypeOf, it } from 'vitest';
import * as z from 'zod';
import { createPublisher, type PublishResult } from '../src/index.ts';

const Created = defineEvent({
  type: 'user-account.created',
  version: 1,
  schema: z.object({ accountId: z.uuid(), email: z.email() }),
  aggregateId: (p) => p.accountId,
});
const Deleted = defineEvent({ type: 'user-account.deleted', version: 1, schema: z.object({ accountId: z.uuid() }) });
const Elsewhere = defineEvent({ type: 'group.created', version: 1, schema: z.object({ groupId: z.string() }) });
const Accounts = defineTopic({ name: 'auth.user-account', events: [Created, Deleted] });

const publisher = createPublisher({
  brokers: ['localhost:9092'],
  registry: { url: 'http://localhost:8081' },
  topics: [Accounts],
});

describe('publishing is type-checked against the declared contracts', () => {
  it('accepts a payload of the right shape and returns where it landed', () => {
    expectTypeOf(publisher.publish(Created, { accountId: 'a', email: 'a@example.com' })).toEqualTypeOf<
      Promise<PublishResult>
    >();
  });

  it('rejects a payload of the wrong shape', () => {
    // @ts-expect-error -- email is missing.
    void publisher.publish(Created, { accountId: 'a' });
    // @ts-expect-error -- accountId must be a string.
    void publisher.publish(Deleted, { accountId: 42 });
    // @ts-expect-error -- a field of another event.
    void publisher.publish(Deleted, { accountId: 'a', email: 'x' });
  });

  it('rejects an event its topics do not carry', () => {
    // @ts-expect-error -- group.created is not declared on auth.user-account.
    void publisher.publish(Elsewhere, { groupId: 'g' });
  });

  it('types each publishMany item by its event', () => {
    void publisher.publishMany([
      { event: Created, payload: { accountId: 'a', email: 'a@example.com' } },
      { event: Deleted, payload: { accountId: 'a' } },
    ]);
    // @ts-expect-error -- Deleted needs accountId.
    void publisher.publishMany([{ event: Deleted, payload: { email: 'a@example.com' } }]);
  });
});
