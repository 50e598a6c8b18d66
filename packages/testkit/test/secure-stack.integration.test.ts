import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { Kafka, type KafkaConfig, logLevel, type SASLOptions } from 'kafkajs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type SecureTestStack, secureTestStack, uniqueName, unsecuredToken } from '../src/index.ts';

// The secured stack itself, probed with a plain kafkajs client: what the SDK's security tests stand on.
let stack: SecureTestStack;

beforeAll(async () => {
  stack = await secureTestStack();
});

function client(config: Partial<KafkaConfig>): Kafka {
  return new Kafka({
    clientId: 'secure-stack-test',
    brokers: [...stack.brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5_000,
    retry: { retries: 0 },
    ...config,
  });
}

const tls = () => ({ ca: [readFileSync(stack.caLocation)] });

async function topicsAs(config: Partial<KafkaConfig>): Promise<string[]> {
  const admin = client(config).admin();
  try {
    await admin.connect();
    return await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
}

function registryStatus(path: string, auth?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${stack.registryUrl}${path}`,
      { ca: tls().ca, ...(auth ? { auth } : {}), timeout: 5_000 },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.once('error', reject);
    req.end();
  });
}

describe('the secured stack', () => {
  it.each(['scram-sha-512', 'scram-sha-256', 'plain'] as const)(
    'lets the allowed user in with %s',
    async (mechanism) => {
      const { username, password } = stack.user;
      const sasl = { mechanism, username, password } as SASLOptions;
      await expect(topicsAs({ ssl: tls(), sasl })).resolves.toBeInstanceOf(Array);
    },
  );

  it('takes an OAUTHBEARER token from the provider', async () => {
    let calls = 0;
    const oauthBearerProvider = async () => {
      calls++;
      return { value: unsecuredToken(stack.user.username, 60_000) };
    };
    await expect(
      topicsAs({ ssl: tls(), sasl: { mechanism: 'oauthbearer', oauthBearerProvider } }),
    ).resolves.toBeInstanceOf(Array);
    expect(calls).toBeGreaterThan(0);
  });

  it('lets an mTLS client in on the SSL listener, and refuses one without a certificate', async () => {
    const brokers = [...stack.mtlsBrokerList];
    const withCert = {
      ...tls(),
      cert: readFileSync(stack.clientCertLocation),
      key: readFileSync(stack.clientKeyLocation),
    };
    await expect(topicsAs({ brokers, ssl: withCert })).resolves.toBeInstanceOf(Array);
    await expect(topicsAs({ brokers, ssl: tls() })).rejects.toThrow(/certificate|alert|handshake|socket/i);
  });

  it('refuses a wrong password, plain text and an unknown CA', async () => {
    const sasl = { mechanism: 'scram-sha-512' as const, username: stack.user.username, password: 'not-the-password' };
    await expect(topicsAs({ ssl: tls(), sasl })).rejects.toThrow(/authentication/i);
    await expect(topicsAs({})).rejects.toThrow();
    await expect(
      topicsAs({ ssl: { rejectUnauthorized: true }, sasl: { ...sasl, password: stack.user.password } }),
    ).rejects.toThrow(/certificate/i);
  });

  it('keeps the restricted user to reading its topics: no topic creation', async () => {
    const { username, password } = stack.restricted;
    const admin = client({ ssl: tls(), sasl: { mechanism: 'scram-sha-512', username, password } }).admin();
    try {
      await admin.connect();
      const topic = `${stack.restricted.topicPrefix}${uniqueName('acl')}`;
      const refused = await admin.createTopics({ topics: [{ topic }], waitForLeaders: false }).then(
        () => undefined,
        (error: unknown) => error as { errors?: Array<{ type?: string }>; type?: string },
      );
      const types = [refused?.type, ...(refused?.errors ?? []).map((e) => e.type)];
      expect(types).toContain('TOPIC_AUTHORIZATION_FAILED');
    } finally {
      await admin.disconnect();
    }
  });

  it('serves the registry over TLS with basic auth only', async () => {
    const { username, password } = stack.registry;
    expect(await registryStatus('/subjects', `${username}:${password}`)).toBe(200);
    expect(await registryStatus('/subjects')).toBe(401);
    expect(await registryStatus('/subjects', `${username}:wrong`)).toBe(401);
    const plain = await fetch(stack.registryUrl.replace('https:', 'http:').concat('/subjects')).then((r) => r.status);
    expect(plain).toBe(400);
  });
});
