import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createPublisher } from '@kbus/publisher';
import { createSubscriber } from '@kbus/subscriber';
import { type SecureTestStack, secureTestStack, uniqueName, waitFor } from '@kbus/testkit';
import { endpointVariables } from '@kbus/testkit/stack';
import { createKafkaClient } from '@kbus/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kbus, NODENEXT_TS, type Run, requireBuiltCli } from './support.ts';

// The built CLI against the secured stack (SASL_SSL, SCRAM-SHA-512; the registry behind TLS and
// basic auth), configured only by the variables `npm run stack -- up --secure` prints. The tests
// run in order: the first creates and fills the topic that the later ones read.
const topicName = uniqueName('cli-secure');
process.env.KBUS_FIXTURE_TOPIC = topicName;
const { OrderPlaced, OrderTopic } = await import('./fixtures/nodenext/contracts.ts');
const groupId = uniqueName('cli-secure-group');
const ids = Array.from({ length: 6 }, (_, i) => `7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d${String(i).padStart(4, '0')}`);
const WRONG = 'not-the-password-7Q';

let stack: SecureTestStack;
/** Exactly what `up --secure` prints, plus the fixture's topic. */
let printed: Record<string, string>;

function secrets(): string[] {
  return [stack.user.password, stack.registry.password, stack.restricted.password, stack.admin.password, WRONG];
}

/** Runs kbus and checks that no password is in anything it printed. */
async function run(args: readonly string[], env: Record<string, string>): Promise<Run> {
  const result = await kbus(args, { env: { KBUS_FIXTURE_TOPIC: topicName, ...env } });
  const shown = `${result.stdout}\n${result.stderr}`;
  expect(secrets().filter((s) => shown.includes(s))).toEqual([]);
  return result;
}

function connection() {
  const ca = readFileSync(stack.caLocation);
  return {
    kafka: createKafkaClient({
      brokers: stack.brokers,
      ssl: { ca },
      sasl: { mechanism: 'scram-sha-512', ...stack.user },
      clientId: 'cli-secure-test',
    }),
    registry: {
      url: stack.registryUrl,
      auth: { username: stack.registry.username, password: stack.registry.password },
      tls: { ca },
    },
  };
}

beforeAll(async () => {
  requireBuiltCli();
  stack = await secureTestStack();
  printed = endpointVariables({
    kafkaBrokers: stack.brokers.join(','),
    schemaRegistryUrl: stack.registryUrl,
    security: stack,
  });
});

afterAll(async () => {
  if (!stack) return;
  const admin = connection().kafka.admin();
  await admin.connect();
  try {
    const made = (await admin.listTopics()).filter((t) => t.startsWith(topicName));
    if (made.length > 0) await admin.deleteTopics(made);
  } finally {
    await admin.disconnect();
  }
});

describe('kbus on a secured cluster (SASL_SSL, SCRAM-SHA-512, registry over TLS + basic auth)', () => {
  it('ensures topics, tails decoded events and shows a group lag with the printed variables', async () => {
    expect(printed.KAFKA_SECURITY_PROTOCOL).toBe('SASL_SSL');
    const ensured = await run(['topics', 'ensure', NODENEXT_TS, '--json'], printed);
    expect(ensured.code, ensured.stderr).toBe(0);
    expect(ensured.lines).toContainEqual(expect.objectContaining({ topic: topicName, status: 'created' }));

    await using publisher = createPublisher({ ...connection(), topics: [OrderTopic], clientId: 'cli-secure' });
    await publisher.publishMany(ids.map((orderId, amount) => ({ event: OrderPlaced, payload: { orderId, amount } })));

    const tailed = await run(['tail', topicName, '--json'], printed);
    expect(tailed.code, tailed.stderr).toBe(0);
    expect(tailed.lines).toHaveLength(ids.length);
    for (const line of tailed.lines) expect(line).toMatchObject({ topic: topicName, type: 'order.placed' });
    expect(tailed.lines.map((l) => (l.payload as { orderId: string }).orderId).sort()).toEqual(ids);

    const handled: string[] = [];
    {
      await using subscriber = createSubscriber({
        ...connection(),
        groupId,
        topics: [OrderTopic],
        handlers: { 'order.placed': ({ payload }) => void handled.push(payload.orderId), 'order.cancelled': () => {} },
      });
      await subscriber.start();
      await waitFor(() => handled.length >= ids.length, { timeoutMs: 30_000, description: 'all orders handled' });
    }
    const lag = await run(['groups', 'lag', groupId, '--json'], printed);
    expect(lag.code, lag.stderr).toBe(0);
    expect(lag.lines).toHaveLength(3);
    expect(lag.lines.reduce((n, l) => n + (l.lag as number), 0)).toBe(0);
    expect(lag.lines.reduce((n, l) => n + Number(l.end), 0)).toBe(ids.length);
  });

  it('connects with mTLS (a client certificate, no SASL) as --security-protocol SSL', async () => {
    const { KAFKA_SSL_CA_LOCATION, KAFKA_SSL_CERTIFICATE_LOCATION, KAFKA_SSL_KEY_LOCATION } = printed;
    const listed = await run(
      ['groups', 'ls', '--json', '--security-protocol', 'SSL', '--brokers', stack.mtlsBrokerList.join(',')],
      {
        KAFKA_SSL_CA_LOCATION: `${KAFKA_SSL_CA_LOCATION}`,
        KAFKA_SSL_CERTIFICATE_LOCATION: `${KAFKA_SSL_CERTIFICATE_LOCATION}`,
        KAFKA_SSL_KEY_LOCATION: `${KAFKA_SSL_KEY_LOCATION}`,
      },
    );
    expect(listed.code, listed.stderr).toBe(0);
  });

  it('takes the settings from a config file, with relative files and a password file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kbus-cli-secure-'));
    writeFileSync(join(dir, 'password'), `${stack.user.password}\n`, { mode: 0o600 });
    const file = join(dir, 'kbus.config.json');
    writeFileSync(
      file,
      JSON.stringify({
        brokers: stack.brokers,
        securityProtocol: 'SASL_SSL',
        sasl: { mechanism: 'SCRAM-SHA-512', username: stack.user.username, passwordFile: 'password' },
        ssl: { caLocation: relative(dir, stack.caLocation) },
        registry: {
          url: stack.registryUrl,
          userInfo: `${stack.registry.username}:${stack.registry.password}`,
          caLocation: stack.caLocation,
        },
      }),
    );
    const empty = { KAFKA_BROKERS: '', SCHEMA_REGISTRY_URL: '' };
    const listed = await run(['groups', 'ls', '--json', '--config', file], empty);
    expect(listed.code, listed.stderr).toBe(0);
    const tailed = await run(['tail', topicName, '--max', '1', '--json', '--config', file], empty);
    expect(tailed.code, tailed.stderr).toBe(0);
    expect(tailed.lines[0]).toMatchObject({ type: 'order.placed' });
  });

  it('takes registry credentials from the URL too, and never prints them', async () => {
    const url = new URL(stack.registryUrl);
    url.username = stack.registry.username;
    url.password = stack.registry.password;
    const tailed = await run(['tail', topicName, '--max', '1', '--json'], {
      ...printed,
      SCHEMA_REGISTRY_URL: url.toString(),
      SCHEMA_REGISTRY_USER_INFO: '',
    });
    expect(tailed.code, tailed.stderr).toBe(0);
    expect(tailed.lines[0]).toMatchObject({ type: 'order.placed' });
  });

  it('a wrong password exits 1 with AUTHENTICATION_FAILED and prints no password, in text and --json', async () => {
    for (const json of [[], ['--json']]) {
      const refused = await run(['groups', 'ls', ...json], { ...printed, KAFKA_SASL_PASSWORD: WRONG });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('AUTHENTICATION_FAILED');
      expect(refused.stderr).toMatch(/SCRAM-SHA-512|scram-sha-512/i);
    }
  });

  it('with a wrong registry password tail shows the records as undecodable, naming the credentials', async () => {
    const tailed = await run(['tail', topicName, '--max', '1', '--json'], {
      ...printed,
      SCHEMA_REGISTRY_USER_INFO: `${stack.registry.username}:${WRONG}`,
    });
    expect(tailed.code, tailed.stderr).toBe(0);
    expect(tailed.lines).toHaveLength(1);
    const error = tailed.lines[0]?.error as { code: string; message: string };
    expect(error.code).toMatch(/^REGISTRY_/);
    expect(error.message).toContain('credentials');
  });

  it('refuses combinations that cannot work with exit 2 and a message naming the setting', async () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [[], { ...printed, KAFKA_SASL_MECHANISM: '' }, /no SASL mechanism: pass --sasl-mechanism/],
      [[], { ...printed, KAFKA_SASL_MECHANISM: 'OAUTHBEARER' }, /KAFKA_SASL_MECHANISM must be one of .*token provider/],
      [[], { ...printed, KAFKA_SECURITY_PROTOCOL: 'TLS' }, /KAFKA_SECURITY_PROTOCOL must be one of PLAINTEXT, SSL/],
      [[], { ...printed, KAFKA_SASL_PASSWORD: '' }, /needs a password: set KAFKA_SASL_PASSWORD/],
      [['--security-protocol', 'SSL'], printed, /KAFKA_SASL_MECHANISM is set but the security protocol is SSL/],
      [[], { ...printed, KAFKA_SECURITY_PROTOCOL: '' }, /is set but no security protocol is set \(PLAINTEXT\)/],
      [
        ['--ssl-cert', '/x.pem'],
        { ...printed, KAFKA_SSL_KEY_LOCATION: '' },
        /--ssl-cert is set without the client key/,
      ],
      [['--ssl-ca', '/nonexistent/ca.pem'], printed, /cannot read the file --ssl-ca names .*ENOENT/],
      [
        [],
        { ...printed, SCHEMA_REGISTRY_URL: 'http://127.0.0.1:1/x' },
        /SCHEMA_REGISTRY_CA_LOCATION is set but .*not https/,
      ],
      [[], { ...printed, SCHEMA_REGISTRY_USER_INFO: WRONG }, /SCHEMA_REGISTRY_USER_INFO must be user:password/],
      [['--sasl-password', WRONG], printed, /--sasl-password is not taken/],
    ];
    for (const [args, env, message] of cases) {
      const refused = await run(['groups', 'ls', ...args], env);
      expect(refused.code, `${args} ${refused.stderr}`).toBe(2);
      expect(refused.stderr).toMatch(message);
    }
  });
});
