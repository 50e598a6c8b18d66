import { createSerde } from '@kbus/core';
import { createPublisher } from '@kbus/publisher';
import { deleteTopics, readTopic, testStack, uniqueName } from '@kbus/testkit';
import { partitionForKey } from '@kbus/transport';
import { userAccountTopic } from '@kbus-examples/contracts';
import { describe, expect, it } from 'vitest';
import { AccountError, AuthService } from '../src/index.ts';

describe('auth service', () => {
  it('publishes each account’s events keyed by account id, in revision order, on the key’s partition', async () => {
    const stack = testStack();
    const topic = userAccountTopic(uniqueName('auth'));
    await using publisher = createPublisher({
      brokers: stack.brokers,
      registry: { url: stack.registryUrl },
      topics: [topic],
      clientId: 'auth-service',
    });
    await publisher.ensureTopics();
    try {
      const auth = new AuthService(publisher);
      const [ada, alan, grace] = await Promise.all([
        auth.register('ada@example.com', 'Ada'),
        auth.register('alan@example.com'),
        auth.register('grace@example.com', 'Grace'),
      ]);
      if (!ada || !alan || !grace) throw new Error('registration failed');
      await Promise.all([
        (async () => {
          await auth.changeEmail(ada, 'ada@lovelace.dev');
          await auth.delete(ada);
        })(),
        (async () => {
          await auth.changeDisplayName(alan, 'Alan');
          await auth.deactivate(alan, 'USER_REQUEST');
        })(),
      ]);
      await expect(auth.changeEmail(ada, 'again@example.com')).rejects.toBeInstanceOf(AccountError);

      const serde = createSerde({ registry: { url: stack.registryUrl } });
      const log = await readTopic(topic.name, { minRecords: 7 });
      expect(log).toHaveLength(7);
      const byAccount = new Map<string, string[]>();
      for (const record of log) {
        const { envelope } = await serde.decode(topic, record.value);
        const { accountId, revision } = envelope.payload as { accountId: string; revision: number };
        expect(record.key?.toString()).toBe(accountId);
        expect(envelope.aggregateId).toBe(accountId);
        expect(envelope.source).toBe('auth-service');
        expect(record.partition).toBe(partitionForKey(accountId, 6));
        byAccount.set(accountId, [...(byAccount.get(accountId) ?? []), `${revision}:${envelope.type}`]);
      }
      expect(byAccount.get(ada)).toEqual([
        '1:user-account.created',
        '2:user-account.email-changed',
        '3:user-account.deleted',
      ]);
      expect(byAccount.get(alan)).toEqual([
        '1:user-account.created',
        '2:user-account.display-name-changed',
        '3:user-account.deactivated',
      ]);
      expect(byAccount.get(grace)).toEqual(['1:user-account.created']);
    } finally {
      await deleteTopics([topic.name], { withSubjects: true });
    }
  });
});
