import { describe, expectTypeOf, it } from 'vitest';
import * as z from 'zod';
import {
  defineEvent,
  defineTopic,
  type EnvelopeOf,
  type EventOfType,
  type EventTypesOf,
  type PayloadInput,
  type PayloadOf,
} from '../src/index.ts';

const Created = defineEvent({
  type: 'user-account.created',
  version: 1,
  schema: z.object({
    accountId: z.uuid(),
    email: z.email(),
    plan: z.enum(['free', 'pro']).default('free'),
    at: z.date(),
  }),
  aggregateId: (p) => p.accountId,
});
const Deleted = defineEvent({ type: 'user-account.deleted', version: 1, schema: z.object({ accountId: z.uuid() }) });
const Topic = defineTopic({ name: 'auth.user-account', events: [Created, Deleted] });

describe('contract types flow from one zod declaration', () => {
  it('gives input and output payload types (defaults optional on input, present on output)', () => {
    expectTypeOf<PayloadInput<typeof Created>>().toEqualTypeOf<{
      accountId: string;
      email: string;
      plan?: 'free' | 'pro' | undefined;
      at: Date;
    }>();
    expectTypeOf<PayloadOf<typeof Created>>().toEqualTypeOf<{
      accountId: string;
      email: string;
      plan: 'free' | 'pro';
      at: Date;
    }>();
  });

  it('keeps literal event types and topic names', () => {
    expectTypeOf(Created.type).toEqualTypeOf<'user-account.created'>();
    expectTypeOf(Topic.name).toEqualTypeOf<'auth.user-account'>();
    expectTypeOf<EventTypesOf<typeof Topic>>().toEqualTypeOf<'user-account.created' | 'user-account.deleted'>();
    expectTypeOf<EventOfType<typeof Topic, 'user-account.deleted'>>().toEqualTypeOf<typeof Deleted>();
  });

  it('types the envelope of an event', () => {
    expectTypeOf<EnvelopeOf<typeof Deleted>['payload']>().toEqualTypeOf<{ accountId: string }>();
    expectTypeOf<EnvelopeOf<typeof Deleted>['type']>().toEqualTypeOf<'user-account.deleted'>();
    expectTypeOf<EnvelopeOf<typeof Deleted>['causationId']>().toEqualTypeOf<string | null>();
  });

  it('checks the aggregate id function against the payload', () => {
    defineEvent({
      type: 'x.y',
      version: 1,
      schema: z.object({ id: z.string() }),
      // @ts-expect-error -- the payload has no field `missing`.
      aggregateId: (p) => p.missing,
    });
  });
});
