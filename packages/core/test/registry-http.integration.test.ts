import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testStack, uniqueName } from '@kbus/testkit';
import { describe, expect, it } from 'vitest';
import { RegistryClient } from '../src/internal.ts';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the registry client over HTTP', () => {
  it('follows redirects to the registry, as an ingress in front of it may send', async () => {
    const registry = new URL(testStack().registryUrl);
    const redirector = createServer((req, res) => {
      // Every path moves (308 keeps the method and body) to the real registry.
      res.writeHead(308, { location: `${registry.origin}${registry.pathname}${req.url ?? '/'}` }).end();
      req.resume();
    });
    const front = await listen(redirector);
    try {
      const client = new RegistryClient({ url: front, retries: 0 });
      const schema = JSON.stringify({ type: 'record', name: uniqueName('Moved').replace(/-/g, '_'), fields: [] });
      const subject = uniqueName('moved');
      const id = await client.idFor(subject, schema, true);
      expect(await client.idFor(subject, schema, false)).toBe(id);
    } finally {
      redirector.close();
    }
  });

  it('a token provider that never answers ends the call at its bound, as unavailable', async () => {
    const client = new RegistryClient({
      url: testStack().registryUrl,
      auth: { token: () => new Promise<string>(() => {}) },
      timeoutMs: 1_500,
      attemptTimeoutMs: 500,
    });
    const started = Date.now();
    await expect(client.ping()).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE', retriable: true });
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
