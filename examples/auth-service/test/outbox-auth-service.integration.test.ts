import { createSerde } from '@kbus/core';
import { createOutbox, createRelay, migrate } from '@kbus/outbox';
import { createPublisher } from '@kbus/publisher';
import { deleteTopics, readTopic, testStack, uniqueName } from '@kbus/testkit';
import { userAccountTopic } from '@kbus-examples/contracts';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { AccountError, OutboxAuthService } from '../src/index.ts';

const DATABASE_URL = process.env.KBUS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

describe('auth service through the transactional outbox', () => {
  it('publishes the events of committed changes in order, and nothing for changes that rolled back', async () => {
    const stack = testStack();
    const topic = userAccountTopic(uniqueName('auth-outbox'));
    const schema = uniqueName('auth').replaceAll('-', '_');
    const pool = new pg.Pool({ connectionString: DATABASE_URL });
    await using publisher = createPublisher({
      brokers: stack.brokers,
      registry: { url: stack.registryUrl },
      topics: [topic],
    });
    await publisher.ensureTopics();
    try {
      await migrate(pool, { schema });
      await OutboxAuthService.migrate(pool, schema);
      const outbox = createOutbox({
        topics: [topic],
        source: 'auth-service',
        registry: { url: stack.registryUrl },
        schema,
      });
      await outbox.prepare();
      const auth = new OutboxAuthService(pool, outbox, schema);

      const ada = await auth.register('ada@example.com', 'Ada');
      const alan = await auth.register('alan@example.com');
      await expect(auth.register('ada@example.com')).rejects.toBeInstanceOf(AccountError);
      await auth.changeEmail(ada, 'ada@lovelace.dev');
      await expect(auth.changeEmail(alan, 'ada@lovelace.dev')).rejects.toBeInstanceOf(AccountError);
      await auth.deactivate(alan, 'USER_REQUEST');
      await expect(auth.changeDisplayName(alan, 'Alan')).rejects.toBeInstanceOf(AccountError);
      await auth.delete(ada);

      await using relay = createRelay({
        connectionString: DATABASE_URL,
        schema,
        brokers: stack.brokers,
        pollIntervalMs: 100,
      });
      await relay.start();
      await relay.drained();

      const serde = createSerde({ registry: { url: stack.registryUrl } });
      const events: string[] = [];
      for (const record of await readTopic(topic.name, { minRecords: 5 })) {
        const { envelope } = await serde.decode(topic, record.value);
        const who = envelope.aggregateId === ada ? 'ada' : 'alan';
        events.push(`${who}:${(envelope.payload as { revision: number }).revision}:${envelope.type}`);
      }
      expect(events.filter((e) => e.startsWith('ada'))).toEqual([
        'ada:1:user-account.created',
        'ada:2:user-account.email-changed',
        'ada:3:user-account.deleted',
      ]);
      expect(events.filter((e) => e.startsWith('alan'))).toEqual([
        'alan:1:user-account.created',
        'alan:2:user-account.deactivated',
      ]);
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
      await deleteTopics([topic.name], { withSubjects: true });
    }
  });
});
