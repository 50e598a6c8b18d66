import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CannedAnswer, deleteSubjects, startRegistryProxy, testStack, uniqueName } from '@kbus/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  checkTopicCompatibility,
  createEnvelope,
  createSerde,
  defineEvent,
  defineTopic,
  isKbusError,
} from '../src/index.ts';
import { RegistryClient } from '../src/internal.ts';

const prefix = uniqueName('registry-faults');
afterAll(async () => {
  await deleteSubjects((s) => s.startsWith(prefix));
});

const Noted = defineEvent({
  type: 'note.taken',
  version: 1,
  namespace: 'com.acme.faults',
  schema: z.object({ id: z.string(), text: z.string() }),
  aggregateId: (p) => p.id,
});

const topicOf = () => defineTopic({ name: uniqueName(prefix), events: [Noted] });
const envelope = () => createEnvelope(Noted, { id: 'n-1', text: 'hello' }, { source: 'test' });

/** Answers a registry could give that are not what its API promises. */
const NOT_A_SCHEMA: ReadonlyArray<[string, CannedAnswer]> = [
  ['an HTML page', { body: '<!doctype html><html><body>Login</body></html>', contentType: 'text/html' }],
  ['an empty object', { body: '{}' }],
  ['a JSON array', { body: '[]' }],
  ['the wrong JSON shape', { body: '{"schema": 5, "id": "seven"}' }],
  ['schema text that is not JSON', { body: '{"schema": "not json at all", "id": 0, "version": 0}' }],
  ['truncated JSON', { body: '{"schema": "{\\"type\\": \\"rec' }],
  ['an empty body', { body: '' }],
  ['a 404 without the API error code (a proxy)', { status: 404, body: 'Not Found', contentType: 'text/plain' }],
  ['a 404 from a misrouted request', { status: 404, body: '{"status":404,"title":"Could not find resource"}' }],
];

async function failure(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

describe('registry answers are validated as strictly as records', () => {
  describe.each(NOT_A_SCHEMA)('%s', (_name, answer) => {
    it('fetching a schema id: a retriable REGISTRY_UNAVAILABLE, not cached; the record decodes once the registry recovers', async () => {
      const topic = topicOf();
      const writer = createSerde({ registry: { url: testStack().registryUrl } });
      const bytes = await writer.encode(topic, Noted, envelope());
      await using proxy = await startRegistryProxy();
      const reader = createSerde({ registry: { url: proxy.url, retries: 0 } });
      proxy.answerNext(1, { ...answer, path: /\/schemas\/ids\// });
      const error = await failure(reader.decode(topic, bytes));
      expect(isKbusError(error, 'REGISTRY_UNAVAILABLE'), String(error)).toBe(true);
      expect((error as { retriable: boolean }).retriable).toBe(true);
      // The registry recovered: the same record decodes (nothing was cached).
      const decoded = await reader.decode(topic, bytes);
      expect(decoded.envelope.payload).toEqual({ id: 'n-1', text: 'hello' });
    });

    it('registering: a retriable REGISTRY_UNAVAILABLE, never schema id 0; a real id once the registry recovers', async () => {
      const topic = topicOf();
      await using proxy = await startRegistryProxy();
      const serde = createSerde({ registry: { url: proxy.url, retries: 0 } });
      proxy.answerNext(1, { ...answer, path: /\/subjects\// });
      const error = await failure(serde.encode(topic, Noted, envelope()));
      expect(isKbusError(error, 'REGISTRY_UNAVAILABLE'), String(error)).toBe(true);
      const bytes = await serde.encode(topic, Noted, envelope());
      expect(bytes.readInt32BE(1)).toBeGreaterThan(0);
    });

    it('checking compatibility: a typed error, not a SyntaxError', async () => {
      const topic = topicOf();
      await createSerde({ registry: { url: testStack().registryUrl } }).encode(topic, Noted, envelope());
      await using proxy = await startRegistryProxy();
      const serde = createSerde({ registry: { url: proxy.url, retries: 0 } });
      proxy.answerNext(1, { ...answer, path: /\/versions\// });
      const error = await failure(checkTopicCompatibility(serde, topic));
      expect(isKbusError(error, 'REGISTRY_UNAVAILABLE'), String(error)).toBe(true);
    });
  });

  it('schema id 0, negative or fractional ids in an answer are refused', async () => {
    for (const id of [0, -3, 1.5, 2 ** 31]) {
      await using proxy = await startRegistryProxy();
      const serde = createSerde({ registry: { url: proxy.url, retries: 0 } });
      proxy.answerNext(1, { body: JSON.stringify({ id }), path: /\/subjects\// });
      const error = await failure(serde.encode(topicOf(), Noted, envelope()));
      expect(isKbusError(error, 'REGISTRY_UNAVAILABLE'), `${id}: ${String(error)}`).toBe(true);
    }
  });

  it("the registry's own 'not found' is still UNKNOWN_SCHEMA_ID", async () => {
    const reader = createSerde({ registry: { url: testStack().registryUrl } });
    const bytes = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2, 0]);
    await expect(reader.decode(topicOf(), bytes)).rejects.toMatchObject({ code: 'UNKNOWN_SCHEMA_ID' });
  });

  it('a URL without the Confluent-compatible path hints at it', async () => {
    const base = testStack().registryUrl.replace(/\/apis\/ccompat\/v7\/?$/, '');
    for (const url of [base, `${base}/apis/registry/v3`]) {
      const error = await failure(new RegistryClient({ url, retries: 0 }).ping());
      expect(isKbusError(error, 'REGISTRY_UNAVAILABLE'), String(error)).toBe(true);
      expect((error as Error).message).toContain('/apis/ccompat/v7');
      expect((error as Error).message).not.toContain('[object Object]');
    }
  });

  it('a refused connection says so (not "status 400")', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await failure(new RegistryClient({ url: `http://127.0.0.1:${port}`, retries: 0 }).ping());
    expect(isKbusError(error, 'REGISTRY_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain('connection refused');
    expect((error as Error).message).not.toContain('400');
  });
});
