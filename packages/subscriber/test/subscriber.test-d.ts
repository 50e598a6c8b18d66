import { defineEvent, defineTopic } from '@kbus/core';
import { describe, expectTypeOf, it } from 'vitest';
import * as z from 'zod';
import { createSubscriber, type HandlerContext } from '../src/index.ts';

const Created = defineEvent({
  type: 'user-account.created',
  version: 1,
  schema: z.object({ accountId: z.uuid(), email: z.email() }),
});
const Deleted = defineEvent({
  type: 'user-account.deleted',
  version: 1,
  schema: z.object({ accountId: z.uuid(), at: z.date() }),
});
const Accounts = defineTopic({ name: 'auth.user-account', events: [Created, Deleted] });
const base = {
  groupId: 'g',
  brokers: ['localhost:9092'],
  registry: { url: 'http://localhost:8081' },
  topics: [Accounts],
} as const;

describe('handlers are typed per event type of the subscribed topics', () => {
  it('gives each handler its own envelope type', () => {
    createSubscriber({
      ...base,
      handlers: {
        'user-account.created': (event, context) => {
          expectTypeOf(event.type).toEqualTypeOf<'user-account.created'>();
          expectTypeOf(event.payload).toEqualTypeOf<{ accountId: string; email: string }>();
          expectTypeOf(context).toEqualTypeOf<HandlerContext>();
        },
        'user-account.deleted': async (event) => {
          expectTypeOf(event.payload.at).toEqualTypeOf<Date>();
        },
      },
    });
  });

  it('rejects a handler for an event type the topics do not carry', () => {
    createSubscriber({
      ...base,
      handlers: {
        // @ts-expect-error -- not declared on auth.user-account.
        'group.created': () => {},
      },
    });
  });

  it('rejects ignoring an undeclared type and reading a field the event does not have', () => {
    createSubscriber({
      ...base,
      handlers: {
        // @ts-expect-error -- Created has no `at`.
        'user-account.created': (event) => event.payload.at.getTime(),
      },
      // @ts-expect-error -- not declared on auth.user-account.
      ignore: ['group.created'],
    });
  });
});
