import { readFileSync } from 'node:fs';
import { isKbusError, type KbusError } from '@kbus/core';
import { type SecureTestStack, secureTestStack, uniqueName, unsecuredToken } from '@kbus/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ClientOptions, createKafkaClient } from '../src/index.ts';

// Both producer libraries and the admin client against the secured stack: every mechanism
// connects and writes; every refusal is a typed error that names what to fix and no secret.
let stack: SecureTestStack;

beforeAll(async () => {
  stack = await secureTestStack();
});

const ca = () => readFileSync(stack.caLocation);
const scram = () => ({ mechanism: 'scram-sha-512' as const, ...stack.user });

function secretsIn(text: string): string[] {
  const secrets = [stack.user.password, stack.restricted.password, stack.admin.password, 'not-the-password'];
  return secrets.filter((s) => text.includes(s));
}

/** Every text a KbusError carries out: message, details and its causes' messages. */
function textOf(error: unknown): string {
  const parts: string[] = [];
  let current = error as { message?: string; details?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 8; depth++) {
    parts.push(String(current.message), JSON.stringify(current.details ?? {}));
    current = current.cause as typeof current;
  }
  return parts.join('\n');
}

async function createTopic(): Promise<string> {
  const admin = createKafkaClient({ brokers: stack.brokers, ssl: { ca: ca() }, sasl: scram() }).admin();
  await admin.connect();
  try {
    const name = uniqueName(`${stack.restricted.topicPrefix}transport`);
    await admin.createTopics([{ name, partitions: 1 }]);
    return name;
  } finally {
    await admin.disconnect();
  }
}

async function highWatermark(topic: string): Promise<string> {
  const admin = createKafkaClient({ brokers: stack.brokers, ssl: { ca: ca() }, sasl: scram() }).admin();
  await admin.connect();
  try {
    return (await admin.watermarks(topic))[0]?.high ?? '';
  } finally {
    await admin.disconnect();
  }
}

async function sendOne(
  options: Omit<ClientOptions, 'brokers'> & { brokers?: readonly string[] },
  library: string,
  topic: string,
) {
  const producer = createKafkaClient({ brokers: stack.brokers, connectionTimeoutMs: 5_000, ...options }).producer({
    client: library as 'kafkajs' | 'platformatic',
    // A fresh cluster's transaction coordinator may still be loading (retriable); refusals are not retried.
    retries: 3,
  });
  try {
    await producer.connect();
    return await producer.send([{ topic, records: [{ key: 'k', value: Buffer.from('v'), partition: 0 }] }]);
  } finally {
    await producer.disconnect().catch(() => {});
  }
}

async function failure(promise: Promise<unknown>): Promise<KbusError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isKbusError(error), String(error)).toBe(true);
  expect(secretsIn(textOf(error))).toEqual([]);
  return error as KbusError;
}

describe.each(['platformatic', 'kafkajs'])('producer on %s against the secured stack', (library) => {
  it.each(['scram-sha-512', 'scram-sha-256', 'plain'] as const)('connects and writes with %s', async (mechanism) => {
    const topic = await createTopic();
    await sendOne({ ssl: { ca: ca() }, sasl: { mechanism, ...stack.user } }, library, topic);
    expect(await highWatermark(topic)).toBe('1');
  });

  it('connects and writes with OAUTHBEARER through the token provider', async () => {
    const topic = await createTopic();
    let calls = 0;
    const token = () => {
      calls++;
      return { value: unsecuredToken(stack.user.username, 60_000) };
    };
    await sendOne({ ssl: { ca: ca() }, sasl: { mechanism: 'oauthbearer', token } }, library, topic);
    expect(await highWatermark(topic)).toBe('1');
    expect(calls).toBeGreaterThan(0);
  });

  it('connects and writes with mTLS (a client certificate, no SASL)', async () => {
    const topic = await createTopic();
    const ssl = { ca: ca(), cert: readFileSync(stack.clientCertLocation), key: readFileSync(stack.clientKeyLocation) };
    await sendOne({ brokers: stack.mtlsBrokerList, ssl }, library, topic);
    expect(await highWatermark(topic)).toBe('1');
  });

  it('a wrong password is AUTHENTICATION_FAILED, not retriable, without the password', async () => {
    const started = Date.now();
    const error = await failure(
      sendOne(
        {
          ssl: { ca: ca() },
          sasl: { mechanism: 'scram-sha-512', username: stack.user.username, password: 'not-the-password' },
        },
        library,
        'any',
      ),
    );
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', retriable: false });
    expect(error.message).toMatch(/sasl/i);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('an unknown CA, a name mismatch and plain text against TLS are TLS_FAILED within the connection timeout', async () => {
    for (const [options, retriable] of [
      [{ ssl: { rejectUnauthorized: true }, sasl: scram() }, false],
      [{ ssl: { ca: ca(), servername: 'not-this-broker.example' }, sasl: scram() }, false],
      // A connection closed at the first request could also be a restarting broker: then it stays
      // retriable (only @platformatic/kafka without SASL recognises the TLS listener for sure).
      [{ sasl: scram() }, undefined],
      [{}, undefined],
    ] as const) {
      const started = Date.now();
      const error = await failure(sendOne(options, library, 'any'));
      expect(error, error.message).toMatchObject({
        code: 'TLS_FAILED',
        ...(retriable === undefined ? {} : { retriable }),
      });
      expect(error.message).toMatch(/ssl/);
      // kafkajs retries failed connections, TLS ones included, with its client retry policy (~7 s here).
      expect(Date.now() - started).toBeLessThan(library === 'kafkajs' ? 15_000 : 5_000);
    }
  });

  it('the restricted user may not write: AUTHORIZATION_FAILED naming the topic', async () => {
    const topic = await createTopic();
    const error = await failure(
      sendOne(
        {
          ssl: { ca: ca() },
          sasl: {
            mechanism: 'scram-sha-512',
            username: stack.restricted.username,
            password: stack.restricted.password,
          },
        },
        library,
        topic,
      ),
    );
    // Refused at InitProducerId: without WRITE on any topic, an idempotent producer has no IDEMPOTENT_WRITE.
    expect(error, error.message).toMatchObject({ code: 'AUTHORIZATION_FAILED', retriable: false });
    expect(error.message).toMatch(/WRITE on the topics/);
    expect(await highWatermark(topic)).toBe('0');
  });
});

describe('admin on the secured stack', () => {
  it('the restricted user may not create topics: AUTHORIZATION_FAILED naming them', async () => {
    const name = uniqueName(`${stack.restricted.topicPrefix}admin`);
    const admin = createKafkaClient({
      brokers: stack.brokers,
      ssl: { ca: ca() },
      sasl: { mechanism: 'scram-sha-512', username: stack.restricted.username, password: stack.restricted.password },
    }).admin();
    await admin.connect();
    try {
      const error = await failure(admin.createTopics([{ name, partitions: 1 }]));
      expect(error).toMatchObject({ code: 'AUTHORIZATION_FAILED', details: { resourceType: 'topic', resource: name } });
    } finally {
      await admin.disconnect();
    }
  });
});
