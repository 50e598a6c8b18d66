import { readFileSync } from 'node:fs';
import { createPublisher } from '@kbus/publisher';
import { createSubscriber } from '@kbus/subscriber';
import { secureTestStack, uniqueName, waitFor } from '@kbus/testkit';
import { describe, expect, it } from 'vitest';
import { createOutbox, createRelay } from '../src/index.ts';
import { BalanceChanged, DATABASE_URL, freshDatabase, ledgerTopic } from './fixtures.ts';

// The outbox on the secured stack: the relay connects with its own ssl and sasl options
// (SCRAM-SHA-512 over TLS), the outbox and the reader reach the registry over TLS with basic auth.
describe('outbox relay on the secured stack', () => {
  it('publishes committed rows over SASL_SSL SCRAM-SHA-512, in order per aggregate', async () => {
    const stack = await secureTestStack();
    const ca = readFileSync(stack.caLocation);
    const ssl = { ca };
    const sasl = { mechanism: 'scram-sha-512' as const, username: stack.user.username, password: stack.user.password };
    const registry = {
      url: stack.registryUrl,
      auth: { username: stack.registry.username, password: stack.registry.password },
      tls: { ca },
    };
    await using db = await freshDatabase();
    const topic = ledgerTopic(uniqueName('secure-outbox'));
    await using publisher = createPublisher({ brokers: stack.brokers, ssl, sasl, registry, topics: [topic] });
    await publisher.ensureTopics();
    const outbox = createOutbox({ topics: [topic], source: 'ledger', registry, schema: db.schema });
    await outbox.prepare();

    const accounts = ['a', 'b', 'c'];
    const client = await db.pool.connect();
    try {
      for (let amount = 0; amount < 30; amount++) {
        await client.query('BEGIN');
        await outbox.add(client, BalanceChanged, { accountId: accounts[amount % 3] as string, writer: 'w', amount });
        await client.query('COMMIT');
      }
    } finally {
      client.release();
    }

    await using relay = createRelay({
      connectionString: DATABASE_URL,
      schema: db.schema,
      brokers: stack.brokers,
      ssl,
      sasl,
      pollIntervalMs: 100,
    });
    await relay.start();
    await relay.drained(60_000);
    expect(relay.stats()).toMatchObject({ leader: true, published: 30 });

    const seen = new Map<string, number[]>();
    await using subscriber = createSubscriber({
      brokers: stack.brokers,
      ssl,
      sasl,
      registry,
      groupId: uniqueName('secure-outbox-reader'),
      topics: [topic],
      handlers: {
        'account.balance-changed': ({ payload }) => {
          seen.set(payload.accountId, [...(seen.get(payload.accountId) ?? []), payload.amount]);
        },
      },
    });
    await subscriber.start();
    await waitFor(() => [...seen.values()].reduce((n, list) => n + list.length, 0) >= 30, {
      timeoutMs: 60_000,
      description: 'the 30 relayed events to be read back over SASL_SSL',
    });
    for (const [index, account] of accounts.entries()) {
      expect(seen.get(account)).toEqual(Array.from({ length: 10 }, (_, i) => i * 3 + index));
    }
  });
});
