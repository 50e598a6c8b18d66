import { isKbusError, type KbusError } from '@kbus/core';
import { startUnresponsiveServer } from '@kbus/testkit';
import { describe, expect, it } from 'vitest';
import { createKafkaClient } from '../src/index.ts';

const CONNECTION_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 2_000;
const SLACK_MS = 1_500;

async function timed(work: () => Promise<unknown>): Promise<{ error: KbusError; ms: number }> {
  const started = Date.now();
  const error = await work().then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
  expect(isKbusError(error), String(error)).toBe(true);
  return { error: error as KbusError, ms: Date.now() - started };
}

describe.each(['silent', 'garbage'] as const)('a broker address that accepts connections and is %s', (mode) => {
  const client = (address: string) =>
    createKafkaClient({
      brokers: [address],
      connectionTimeoutMs: CONNECTION_TIMEOUT_MS,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
    });

  it('the platformatic producer gives up connecting within connection + request timeout', async () => {
    await using broker = await startUnresponsiveServer(mode);
    const producer = client(broker.address).producer({ client: 'platformatic' });
    const { error, ms } = await timed(() => producer.connect());
    expect(ms).toBeLessThan(CONNECTION_TIMEOUT_MS + REQUEST_TIMEOUT_MS + SLACK_MS);
    expect(error.retriable).toBe(true);
    expect(error.message).toContain(broker.address);
    await producer.disconnect();
  });

  it.each([
    ['the kafkajs producer', (c: ReturnType<typeof client>) => c.producer({ client: 'kafkajs' }).connect()],
    [
      'the admin client',
      async (c: ReturnType<typeof client>) => {
        const admin = c.admin();
        await admin.connect();
        await admin.listTopics();
      },
    ],
  ])(
    '%s fails retriable and names the broker (not "Broker not connected")',
    async (_name, work) => {
      await using broker = await startUnresponsiveServer(mode);
      const { error } = await timed(() => work(client(broker.address)));
      expect(error.retriable).toBe(true);
      expect(error.message).toContain(broker.address);
      expect(error.message).toContain('no usable answer');
      // The admin client retries retriable failures for up to 15 s.
    },
    30_000,
  );
});
