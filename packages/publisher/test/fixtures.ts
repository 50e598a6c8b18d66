import { defineEvent, defineTopic } from '@kbus/core';
import { testStack, uniqueName } from '@kbus/testkit';
import * as z from 'zod';

export const AccountOpened = defineEvent({
  type: 'account.opened',
  version: 1,
  namespace: 'com.acme.test',
  schema: z.object({ accountId: z.string().min(1), email: z.email(), seq: z.int() }),
  aggregateId: (p) => p.accountId,
});

export const AccountNoted = defineEvent({
  type: 'account.noted',
  version: 1,
  namespace: 'com.acme.test',
  schema: z.object({ accountId: z.string().min(1), seq: z.int(), note: z.string() }),
  aggregateId: (p) => p.accountId,
});

/** A topic declaration with a fresh name (the test creates the topic itself). */
export function accountTopic(partitions: number, prefix = 'accounts') {
  return defineTopic({ name: uniqueName(prefix), events: [AccountOpened, AccountNoted], partitions });
}

/** The client libraries a producer can send with (`producer.client`). */
export const PRODUCER_CLIENTS = ['kafkajs', 'platformatic'] as const;

export function connection(client?: (typeof PRODUCER_CLIENTS)[number]) {
  const stack = testStack();
  return {
    brokers: stack.brokers,
    registry: { url: stack.registryUrl },
    clientId: 'publisher-test',
    ...(client ? { producer: { client } } : {}),
  };
}
