import { type AnyEventDefinition, defineEvent, defineTopic, KbusError } from '@kbus/core';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { resolveRetryPolicy, retry } from '../src/middleware/retry.ts';
import { inboundMessage } from './support/inbound.ts';

// A registry that refuses the subscriber's credentials or TLS for a while (an expired token,
// a rotated certificate) is an outage like an unavailable one: the record waits, it is not
// dead-lettered when the attempts run out.
const Pinged = defineEvent({
  type: 'ping.sent',
  version: 1,
  namespace: 'com.acme.outage',
  schema: z.object({ id: z.string() }),
  aggregateId: (p) => p.id,
});
const topic = defineTopic({ name: 'outage', events: [Pinged] });

const message = () => inboundMessage(topic, Pinged as AnyEventDefinition, { id: '1' });

/** Runs a chain whose inner step fails `failures` times with `error`, then succeeds. */
async function attemptsUntilDone(error: KbusError, failures: number): Promise<number> {
  let calls = 0;
  const policy = resolveRetryPolicy({ attempts: 2, initialDelayMs: 1, maxDelayMs: 1, jitter: 0 });
  const chain = retry(policy)(async () => {
    calls++;
    if (calls <= failures) throw error;
  });
  await chain(message());
  return calls;
}

const registryError = (code: 'REGISTRY_REJECTED' | 'TLS_FAILED', status?: number) =>
  new KbusError(code, 'could not fetch schema id 1: the schema registry at https://r.example …', {
    details: { status, registry: 'https://r.example' },
  });

describe('retry: registry refusals of this client are outages', () => {
  it.each([
    ['a 401', registryError('REGISTRY_REJECTED', 401)],
    ['a 403', registryError('REGISTRY_REJECTED', 403)],
    ['a registry TLS failure', registryError('TLS_FAILED')],
  ])('%s is retried past the attempts until the registry serves again', async (_, error) => {
    expect(await attemptsUntilDone(error, 4)).toBe(5);
  });

  it('other refusals still end after the attempts (they go to the dead-letter topic)', async () => {
    await expect(attemptsUntilDone(registryError('REGISTRY_REJECTED', 422), 4)).rejects.toMatchObject({
      code: 'REGISTRY_REJECTED',
    });
    // A broker's TLS failure does not name a registry.
    await expect(attemptsUntilDone(new KbusError('TLS_FAILED', 'broker'), 4)).rejects.toMatchObject({
      code: 'TLS_FAILED',
    });
  });
});
