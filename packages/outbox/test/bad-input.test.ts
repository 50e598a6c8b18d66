import { isKbusError, type ValidationError } from '@kbus/core';
import { describe, expect, it } from 'vitest';
import { createOutbox, type Queryable } from '../src/index.ts';
import { BalanceChanged, ledgerTopic } from './fixtures.ts';

/** A transaction that records what would have been written: nothing, for bad input. */
function transaction() {
  const queries: string[] = [];
  const tx = {
    query: async (sql: string) => {
      queries.push(sql);
      return { rows: [{ last_seq: '1' }], rowCount: 1 };
    },
  } as unknown as Queryable;
  return { tx, queries };
}

// Nothing listens there: validation must not need the registry.
const outbox = () =>
  createOutbox({
    topics: [ledgerTopic('bad-input')],
    source: 'test',
    registry: { url: 'http://127.0.0.1:1', retries: 0 },
  });

describe('outbox.add refuses bad input with a typed error before any I/O', () => {
  it.each(['\uD800', 'a\uDFFF', '\uDBFFz'])('lone surrogate %j in the payload, the key or a header', async (bad) => {
    const cases: Array<[(tx: Queryable) => Promise<unknown>, string]> = [
      [(tx) => outbox().add(tx, BalanceChanged, { accountId: 'a', writer: bad, amount: 1 }), 'payload.writer'],
      [(tx) => outbox().add(tx, BalanceChanged, { accountId: bad, writer: 'w', amount: 1 }), 'aggregateId'],
      [
        (tx) => outbox().add(tx, BalanceChanged, { accountId: 'a', writer: 'w', amount: 1 }, { headers: { h: bad } }),
        'headers.h',
      ],
    ];
    for (const [work, path] of cases) {
      const { tx, queries } = transaction();
      const error = await work(tx).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isKbusError(error, 'VALIDATION_FAILED'), String(error)).toBe(true);
      expect((error as ValidationError).issues.map((i) => i.path.join('.'))).toContain(path);
      expect(queries).toEqual([]);
    }
  });

  it.each([undefined, null, 42, 'BEGIN', {}])('a transaction that is not a database client (%j)', async (tx) => {
    const error = await outbox()
      .add(tx as never, BalanceChanged, { accountId: 'a', writer: 'w', amount: 1 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isKbusError(error, 'INVALID_CONFIGURATION'), String(error)).toBe(true);
    expect((error as Error).message).toContain('tx');
  });

  it.each([undefined, null, 'account.balance-changed', {}])('an event that is not declared (%j)', async (event) => {
    const { tx } = transaction();
    const error = await outbox()
      .add(tx, event as never, {} as never)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isKbusError(error, 'UNKNOWN_EVENT_TYPE'), String(error)).toBe(true);
  });
});
