import diagnostics_channel from 'node:diagnostics_channel';
import { channels, isKbusError } from '@kbus/core';
import { createPublisher } from '@kbus/publisher';
import { kafkaClients, readTopic, startRegistryProxy, testStack, uniqueName, waitForGroupAtEnd } from '@kbus/testkit';
import { createKafkaClient } from '@kbus/transport';
import { describe, expect, it } from 'vitest';
import { createSubscriber, notRetriable } from '../src/index.ts';
import { counterTopic, Tick } from './fixtures.ts';

// The secrets of this run; none may appear in anything the SDK emits.
const REGISTRY_USER = 'kbus-reg-user';
const REGISTRY_SECRET = 'reg-S3cret-9f2c';
const SASL_SECRET = 'sasl-S3cret-77aa';
const TLS_PASSPHRASE = 'tls-S3cret-31b0';
const TLS_KEY = [
  '-----BEGIN PRIVATE KEY-----',
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDkbusTESTKEYBODY',
  '-----END PRIVATE KEY-----',
].join('\n');
const SECRETS = [
  REGISTRY_SECRET,
  SASL_SECRET,
  TLS_PASSPHRASE,
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDkbusTESTKEYBODY',
  Buffer.from(`${REGISTRY_USER}:${REGISTRY_SECRET}`).toString('base64'),
];

/** Everything text-like reachable from a value: messages, stacks, causes, details, buffers. */
function textOf(value: unknown, seen = new Set<unknown>(), depth = 0): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' && typeof value !== 'function') return String(value);
  if (seen.has(value) || depth > 12) return '';
  seen.add(value);
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  const parts: string[] = [];
  if (value instanceof Error) parts.push(value.message, value.stack ?? '');
  for (const key of Reflect.ownKeys(value)) {
    let field: unknown;
    try {
      field = (value as Record<string | symbol, unknown>)[key];
    } catch {
      continue;
    }
    if (typeof field === 'function') continue;
    parts.push(String(key), textOf(field, seen, depth + 1));
  }
  return parts.join('\n');
}

describe('no secret leaves the SDK', () => {
  it('in errors, log lines, diagnostics messages or dead-letter headers of a run with credentials everywhere', async () => {
    const emitted: unknown[] = [];
    const logs: unknown[] = [];
    const record = (name: string) => (message: unknown) => emitted.push({ channel: name, message });
    const names = [
      'kbus:publish:batch',
      'kbus:record',
      'kbus:commit',
      'kbus:rebalance',
      ...['kbus:publish', 'kbus:handle'].flatMap((n) =>
        ['start', 'end', 'asyncStart', 'asyncEnd', 'error'].map((e) => `tracing:${n}:${e}`),
      ),
    ];
    const listeners = names.map((name) => [name, record(name)] as const);
    for (const [name, listener] of listeners) diagnostics_channel.subscribe(name, listener);
    expect(channels.record.hasSubscribers).toBe(true);
    const errors: unknown[] = [];
    const catching = <T>(work: Promise<T>) =>
      work.catch((error: unknown) => {
        errors.push(error);
        return undefined;
      });

    await using fixture = await counterTopic(1, 'secrets');
    const stack = testStack();
    const registryUrl = stack.registryUrl.replace('http://', `http://${REGISTRY_USER}:${REGISTRY_SECRET}@`);
    try {
      // 1. A publisher and a subscriber with credentials in the registry URL; a handler that
      //    fails with a message quoting that URL; a poison record with an unknown schema id.
      await using publisher = createPublisher({
        brokers: stack.brokers,
        registry: { url: registryUrl },
        topics: [fixture.topic],
      });
      await publisher.publish(Tick, { key: 'k', seq: 0 });
      await publisher.publish(Tick, { key: 'k', seq: 1, fail: 'always' });
      await using raw = kafkaClients();
      const producer = await raw.producer();
      await producer.send({
        topic: fixture.topic.name,
        messages: [{ key: 'k', value: Buffer.from([0, 0x7f, 0xff, 0xff, 0xf1, 0, 0]), partition: 0 }],
      });
      const groupId = uniqueName('secrets');
      await using subscriber = createSubscriber({
        brokers: stack.brokers,
        registry: { url: registryUrl },
        groupId,
        topics: [fixture.topic],
        retry: { attempts: 1 },
        handlers: {
          'counter.ticked': ({ payload }) => {
            if (payload.fail === 'always') {
              throw notRetriable(
                new Error(`upstream ${registryUrl} said no; password=${SASL_SECRET} token: ${REGISTRY_SECRET}`),
              );
            }
          },
        },
      });
      await subscriber.start();
      await waitForGroupAtEnd(groupId, fixture.topic.name);
      expect(subscriber.stats()).toMatchObject({ handled: 1, deadLettered: 2 });
      errors.push(subscriber.health().lastError);
      const deadLetters = await readTopic(`${fixture.topic.name}.dlt`, { minRecords: 2 });
      expect(deadLetters).toHaveLength(2);

      // 2. A registry that answers errors echoing what it was sent (the Authorization header).
      await using proxy = await startRegistryProxy();
      const proxied = proxy.url.replace('http://', `http://${REGISTRY_USER}:${REGISTRY_SECRET}@`);
      proxy.answerNext(10, {
        status: 401,
        body: JSON.stringify({
          error_code: 40101,
          message: `bad credentials: Basic ${Buffer.from(`${REGISTRY_USER}:${REGISTRY_SECRET}`).toString('base64')}`,
        }),
      });
      await catching(
        createPublisher({ brokers: stack.brokers, registry: { url: proxied }, topics: [fixture.topic] }).connect(),
      );

      // 3. SASL and TLS settings against a plaintext listener, with the client's debug log on.
      for (const settings of [
        { sasl: { mechanism: 'plain' as const, username: 'u', password: SASL_SECRET } },
        { ssl: { key: TLS_KEY, passphrase: TLS_PASSPHRASE, rejectUnauthorized: false } },
      ]) {
        const kafka = createKafkaClient({
          brokers: stack.brokers,
          clientId: 'secrets',
          connectionTimeoutMs: 2_000,
          requestTimeoutMs: 3_000,
          logLevel: 'debug',
          logger: (entry) => logs.push(entry),
          ...settings,
        });
        for (const client of ['kafkajs', 'platformatic'] as const) {
          const sasl = createPublisher({
            kafka,
            registry: { url: registryUrl },
            topics: [fixture.topic],
            producer: { client },
            deliveryTimeoutMs: 8_000,
          });
          await catching(sasl.publish(Tick, { key: 'k', seq: 9 }));
          await sasl.close().catch((error: unknown) => errors.push(error));
        }
      }
      expect(errors.filter((e) => e !== undefined).length).toBeGreaterThanOrEqual(5);
      expect(errors.every((e) => e === undefined || isKbusError(e))).toBe(true);
      expect(logs.length).toBeGreaterThan(0);

      // What the run emitted, as text: none of the secrets.
      const everything = [
        ['errors', textOf(errors)],
        ['logs', textOf(logs)],
        ['diagnostics', textOf(emitted)],
        ['dead-letter headers', textOf(deadLetters.map((r) => r.headers))],
      ] as const;
      for (const [where, text] of everything) {
        expect(text.length, where).toBeGreaterThan(0);
        for (const secret of SECRETS) expect(text.includes(secret), `${where} contain ${secret}`).toBe(false);
      }
      // The redacted forms are still informative.
      expect(textOf(deadLetters.map((r) => r.headers))).toContain('upstream http://***@');
    } finally {
      for (const [name, listener] of listeners) diagnostics_channel.unsubscribe(name, listener);
    }
  });
});
