import { readFileSync } from 'node:fs';
import { defineTopic, isKbusError, type KbusError } from '@kbus/core';
import { createPublisher } from '@kbus/publisher';
import { type SecureTestStack, secureTestStack, uniqueName, unsecuredToken, waitFor } from '@kbus/testkit';
import { type ClientOptions, createKafkaClient } from '@kbus/transport';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSubscriber, redrive } from '../src/index.ts';
import { Note, Tick } from './fixtures.ts';

// Publish → handle round trips on the secured stack for every mechanism, the restricted user's
// refusals, and redrive on SCRAM: typed errors, nothing committed past an unhandled event.
let stack: SecureTestStack;

beforeAll(async () => {
  stack = await secureTestStack();
});

type Security = Pick<ClientOptions, 'ssl' | 'sasl'> & { brokers?: readonly string[] };

const ca = () => readFileSync(stack.caLocation);
const registry = () => ({
  url: stack.registryUrl,
  auth: { username: stack.registry.username, password: stack.registry.password },
  tls: { ca: ca() },
});
const scram = (): Security => ({ ssl: { ca: ca() }, sasl: { mechanism: 'scram-sha-512', ...stack.user } });
const kafka = (security: Security) =>
  createKafkaClient({ brokers: stack.brokers, clientId: 'security-test', connectionTimeoutMs: 5_000, ...security });

/** A topic the restricted user may read (its name has the ACL's prefix), created by the allowed user. */
async function readableTopic(partitions = 2) {
  const name = uniqueName(`${stack.restricted.topicPrefix}sdk`);
  const topic = defineTopic({ name, events: [Tick, Note], partitions });
  const publisher = createPublisher({
    kafka: kafka(scram()),
    registry: registry(),
    topics: [topic],
    clientId: 'fixture',
  });
  await publisher.ensureTopics();
  await publisher.close();
  // Its dead-letter topic too: the restricted user may not create topics.
  const admin = kafka(scram()).admin();
  await admin.connect();
  await admin.createTopics([{ name: `${name}.dlt`, partitions }]);
  await admin.disconnect();
  return topic;
}

async function roundTrip(security: Security, count = 20): Promise<void> {
  const topic = await readableTopic();
  await using publisher = createPublisher({ kafka: kafka(security), registry: registry(), topics: [topic] });
  for (let seq = 0; seq < count; seq++) await publisher.publish(Tick, { key: `k${seq % 3}`, seq });
  const handled: number[] = [];
  await using subscriber = createSubscriber({
    kafka: kafka(security),
    registry: registry(),
    groupId: uniqueName('secure'),
    topics: [topic],
    handlers: { 'counter.ticked': ({ payload }) => void handled.push(payload.seq) },
    ignore: ['counter.noted'],
  });
  await subscriber.start();
  await waitFor(async () => (await subscriber.lag()).every((l) => l.lag === 0) && handled.length === count, {
    timeoutMs: 60_000,
    description: 'the group to handle and commit every event',
  });
  expect([...handled].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
}

function noSecrets(error: unknown): void {
  const text: string[] = [];
  let current = error as { message?: string; details?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 8; depth++) {
    text.push(String(current.message), JSON.stringify(current.details ?? {}));
    current = current.cause as typeof current;
  }
  for (const secret of [stack.user.password, stack.restricted.password, stack.registry.password]) {
    expect(text.join('\n')).not.toContain(secret);
  }
}

describe('publish → handle on the secured stack', () => {
  it.each(['scram-sha-512', 'scram-sha-256', 'plain'] as const)('with SASL %s over TLS', async (mechanism) => {
    await roundTrip({ ssl: { ca: ca() }, sasl: { mechanism, ...stack.user } });
  });

  it('with mTLS (a client certificate on the SSL listener)', async () => {
    await roundTrip({
      brokers: stack.mtlsBrokerList,
      ssl: { ca: ca(), cert: readFileSync(stack.clientCertLocation), key: readFileSync(stack.clientKeyLocation) },
    });
  });

  it('with OAUTHBEARER: the provider is asked again before the session ends, and publishing goes on', async () => {
    const issued: number[] = [];
    const token = () => {
      issued.push(Date.now());
      // The broker ends OAUTHBEARER sessions after at most 15 s; the clients re-authenticate before.
      return { value: unsecuredToken(stack.user.username, 30_000) };
    };
    const security: Security = { ssl: { ca: ca() }, sasl: { mechanism: 'oauthbearer', token } };
    const topic = await readableTopic();
    await using publisher = createPublisher({ kafka: kafka(security), registry: registry(), topics: [topic] });
    let seq = 0;
    await publisher.publish(Tick, { key: 'k', seq: seq++ });
    const first = issued.length;
    expect(first).toBeGreaterThan(0);
    // Publish on one connection until it has re-authenticated with a new token (bounded).
    await waitFor(
      async () => {
        await publisher.publish(Tick, { key: 'k', seq: seq++ });
        return issued.length > first;
      },
      { timeoutMs: 40_000, intervalMs: 500, description: 'a re-authentication with a fresh token' },
    );
    await publisher.publish(Tick, { key: 'k', seq: seq++ });
  });
});

describe('the restricted user (may read its topics in its groups, nothing else)', () => {
  const restricted = (): Security => ({
    ssl: { ca: ca() },
    sasl: { mechanism: 'scram-sha-512', username: stack.restricted.username, password: stack.restricted.password },
  });

  it('consumes its topic in its group', async () => {
    const topic = await readableTopic();
    await using publisher = createPublisher({ kafka: kafka(scram()), registry: registry(), topics: [topic] });
    for (let seq = 0; seq < 5; seq++) await publisher.publish(Tick, { key: 'k', seq });
    const handled: number[] = [];
    await using subscriber = createSubscriber({
      kafka: kafka(restricted()),
      registry: registry(),
      groupId: uniqueName(`${stack.restricted.groupPrefix}ok`),
      topics: [topic],
      handlers: { 'counter.ticked': ({ payload }) => void handled.push(payload.seq) },
      ignore: ['counter.noted'],
    });
    await subscriber.start();
    await waitFor(async () => (await subscriber.lag()).every((l) => l.lag === 0) && handled.length === 5, {
      timeoutMs: 60_000,
      description: 'the restricted group to handle and commit its topic',
    });
  });

  it('may not publish: AUTHORIZATION_FAILED, without a secret', async () => {
    const topic = await readableTopic();
    await using publisher = createPublisher({ kafka: kafka(restricted()), registry: registry(), topics: [topic] });
    const error = await publisher.publish(Tick, { key: 'k', seq: 0 }).catch((e: unknown) => e);
    expect(error, String(error)).toMatchObject({ code: 'AUTHORIZATION_FAILED', retriable: false });
    expect((error as KbusError).message).toContain(topic.name);
    noSecrets(error);
  });

  it('may not dead-letter: the failed event stays uncommitted and health() says why', async () => {
    const topic = await readableTopic(1);
    await using publisher = createPublisher({ kafka: kafka(scram()), registry: registry(), topics: [topic] });
    for (let seq = 0; seq < 3; seq++)
      await publisher.publish(Tick, { key: 'k', seq, fail: seq === 1 ? 'always' : 'never' });
    const handled: number[] = [];
    await using subscriber = createSubscriber({
      kafka: kafka(restricted()),
      registry: registry(),
      groupId: uniqueName(`${stack.restricted.groupPrefix}dlt`),
      topics: [topic],
      retry: false,
      commit: { everyRecords: 1 },
      // stop() waits this long for the record still trying to reach its dead-letter topic.
      shutdownTimeoutMs: 1_000,
      handlers: {
        'counter.ticked': ({ payload }) => {
          if (payload.fail === 'always') throw new Error('refused');
          handled.push(payload.seq);
        },
      },
      ignore: ['counter.noted'],
    });
    await subscriber.start();
    const lastError = await waitFor(() => isKbusError(subscriber.health().lastError) && subscriber.health().lastError, {
      timeoutMs: 60_000,
      description: 'the dead-letter send to be refused',
    });
    expect(lastError).toMatchObject({ code: 'AUTHORIZATION_FAILED' });
    expect((lastError as KbusError).message).toContain(`${topic.name}.dlt`);
    noSecrets(lastError);
    // Committed up to the event that could not be handled or dead-lettered, not past it.
    await waitFor(async () => (await subscriber.lag())[0]?.committed === '1', {
      timeoutMs: 30_000,
      description: 'the commit of the handled event',
    });
    expect(handled).toEqual([0]);
    expect((await subscriber.lag())[0]).toMatchObject({ committed: '1', end: '3' });
  });

  it('may not use another group: start() fails with AUTHORIZATION_FAILED naming the group', async () => {
    const topic = await readableTopic();
    const groupId = uniqueName('not-allowed');
    const subscriber = createSubscriber({
      kafka: kafka(restricted()),
      registry: registry(),
      groupId,
      topics: [topic],
      handlers: { 'counter.ticked': () => {} },
      ignore: ['counter.noted'],
      startTimeoutMs: 30_000,
    });
    const error = await subscriber.start().catch((e: unknown) => e);
    await subscriber.stop().catch(() => {});
    expect(error, String(error)).toMatchObject({ code: 'AUTHORIZATION_FAILED', retriable: false });
    expect(String((error as Error).message)).toContain(groupId);
    noSecrets(error);
  });

  it('may not create topics: ensureTopics fails with AUTHORIZATION_FAILED naming the topic', async () => {
    const topic = defineTopic({
      name: uniqueName(`${stack.restricted.topicPrefix}new`),
      events: [Tick],
      partitions: 1,
    });
    await using publisher = createPublisher({ kafka: kafka(restricted()), registry: registry(), topics: [topic] });
    const error = await publisher.ensureTopics().catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'AUTHORIZATION_FAILED',
      details: { resourceType: 'topic', resource: topic.name },
    });
    noSecrets(error);
  });
});

describe('redrive on SCRAM', () => {
  it('sends dead letters back to their topic', async () => {
    const topic = await readableTopic();
    await using publisher = createPublisher({ kafka: kafka(scram()), registry: registry(), topics: [topic] });
    await publisher.publish(Tick, { key: 'k', seq: 0, fail: 'always' });
    let refuse = true;
    const handled: number[] = [];
    const groupId = uniqueName('secure-redrive');
    await using subscriber = createSubscriber({
      kafka: kafka(scram()),
      registry: registry(),
      groupId,
      topics: [topic],
      retry: { attempts: 1 },
      handlers: {
        'counter.ticked': ({ payload }) => {
          if (refuse) throw new Error('refused for now');
          handled.push(payload.seq);
        },
      },
      ignore: ['counter.noted'],
    });
    await subscriber.start();
    await waitFor(() => subscriber.stats().deadLettered === 1, {
      timeoutMs: 60_000,
      description: 'the event to be dead-lettered',
    });
    refuse = false;
    const { redriven } = await redrive({ kafka: kafka(scram()), deadLetterTopic: `${topic.name}.dlt` });
    expect(redriven).toBe(1);
    await waitFor(() => handled.length === 1, { timeoutMs: 60_000, description: 'the redriven event to be handled' });
  });
});
