import { readFileSync } from 'node:fs';
import { type SecureTestStack, secureTestStack, uniqueName } from '@kbus/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { isKbusError, type KbusError } from '../src/index.ts';
import { RegistryClient } from '../src/internal.ts';

// The registry client against the secured stack's registry: TLS with its CA, basic auth
// (given, or in the URL) and a bearer token provider; refusals typed, no secret in them.
let stack: SecureTestStack;

beforeAll(async () => {
  stack = await secureTestStack();
});

const schema = () => JSON.stringify({ type: 'record', name: uniqueName('Secured').replace(/-/g, '_'), fields: [] });
const tls = () => ({ ca: readFileSync(stack.caLocation) });
const basic = () => ({ username: stack.registry.username, password: stack.registry.password });

async function roundTrip(client: RegistryClient): Promise<void> {
  const subject = uniqueName('secured-subject');
  const text = schema();
  const id = await client.idFor(subject, text, true);
  expect(await client.idFor(subject, text, false)).toBe(id);
  const fresh = new RegistryClient({ url: stack.registryUrl, auth: basic(), tls: tls() });
  expect(JSON.parse(await fresh.schemaById(id))).toEqual(JSON.parse(text));
}

async function refusal(promise: Promise<unknown>): Promise<KbusError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isKbusError(error), String(error)).toBe(true);
  const text = `${(error as Error).message} ${JSON.stringify((error as KbusError).details)}`;
  for (const secret of [stack.registry.password, stack.registry.token]) expect(text).not.toContain(secret);
  return error as KbusError;
}

describe('the registry client on a secured registry', () => {
  it('registers and looks up over TLS with basic auth', async () => {
    await roundTrip(new RegistryClient({ url: stack.registryUrl, auth: basic(), tls: tls() }));
  });

  it('takes basic auth from the URL and keeps it out of the URL it shows', async () => {
    const withUserInfo = new URL(stack.registryUrl);
    withUserInfo.username = stack.registry.username;
    withUserInfo.password = stack.registry.password;
    const client = new RegistryClient({ url: withUserInfo.toString(), tls: tls() });
    expect(client.url).toBe(stack.registryUrl);
    await roundTrip(client);
  });

  it('sends the bearer token of the provider with every request', async () => {
    let calls = 0;
    const token = async () => {
      calls++;
      return stack.registry.token;
    };
    await roundTrip(new RegistryClient({ url: stack.registryBearerUrl, auth: { token }, tls: tls() }));
    expect(calls).toBeGreaterThanOrEqual(2);
  });

  it('no or wrong credentials: REGISTRY_REJECTED with a hint, without the secrets', async () => {
    const none = await refusal(new RegistryClient({ url: stack.registryUrl, tls: tls(), retries: 0 }).ping());
    expect(none).toMatchObject({ code: 'REGISTRY_REJECTED', details: { status: 401 } });
    expect(none.message).toMatch(/credentials/);
    const wrong = await refusal(
      new RegistryClient({
        url: stack.registryBearerUrl,
        auth: { token: () => `${stack.registry.token}x` },
        tls: tls(),
        retries: 0,
      }).ping(),
    );
    expect(wrong).toMatchObject({ code: 'REGISTRY_REJECTED', details: { status: 401 } });
  });

  it('an unknown CA is TLS_FAILED, not an unavailable registry', async () => {
    const error = await refusal(new RegistryClient({ url: stack.registryUrl, auth: basic(), retries: 0 }).ping());
    expect(error).toMatchObject({ code: 'TLS_FAILED', retriable: false });
  });
});
