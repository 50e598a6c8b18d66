import { fork } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startUnresponsiveServer, testStack } from '@kbus/testkit';
import { describe, expect, it } from 'vitest';

/** A port nothing listens on (bound once, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A port that accepts TCP and closes it at once (not PostgreSQL). */
async function slammingPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const PASSWORD = 's3cret-relay-pw';

describe('a relay whose start() fails on PostgreSQL', () => {
  it.each([
    ['nothing listens', async () => ({ port: await closedPort(), close: async () => {} })],
    ['the server is not PostgreSQL', slammingPort],
    [
      'the server never answers',
      async () => {
        const server = await startUnresponsiveServer('silent');
        return { port: Number(server.address.split(':')[1]), close: () => server.close() };
      },
    ],
  ])(
    '(%s) throws a typed error naming the database, releases everything, and the process exits',
    async (_name, open) => {
      const target = await open();
      try {
        const script = fileURLToPath(new URL('./support/relay-start-fails.ts', import.meta.url));
        const child = fork(script, [], {
          execArgv: ['--conditions=source', '--no-warnings'],
          env: {
            ...process.env,
            RELAY_DATABASE_URL: `postgres://relay:${PASSWORD}@127.0.0.1:${target.port}/ledger`,
            KAFKA_BROKERS: testStack().brokers.join(','),
          },
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        let report: Record<string, unknown> | undefined;
        child.on('message', (m) => {
          report = m as Record<string, unknown>;
        });
        const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve, reject) => {
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error('the relay process did not end within 30 s'));
          }, 30_000);
          child.once('exit', (code, signal) => {
            clearTimeout(timer);
            resolve({ code, signal });
          });
        });
        expect(exit).toEqual({ code: 0, signal: null });
        expect(report).toMatchObject({ name: 'KbusError', code: 'DATABASE_UNAVAILABLE', retriable: true });
        expect(String(report?.message)).toContain(`127.0.0.1:${target.port}/ledger`);
        expect(JSON.stringify(report)).not.toContain(PASSWORD);
      } finally {
        await target.close();
      }
    },
  );
});
