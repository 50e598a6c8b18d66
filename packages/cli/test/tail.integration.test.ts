import { avroType, RegistryClient, stableStringify } from '@kbus/core/internal';
import { createPublisher } from '@kbus/publisher';
import { deleteTopics, kafkaClients, testStack, uniqueName } from '@kbus/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kbus, NODENEXT_TS, requireBuiltCli, startKbus } from './support.ts';

const topicName = uniqueName('cli-tail');
const env = { KBUS_FIXTURE_TOPIC: topicName };
process.env.KBUS_FIXTURE_TOPIC = topicName;
const { OrderCancelled, OrderPlaced, OrderTopic } = await import('./fixtures/nodenext/contracts.ts');

const orderA = '3f0c9a52-6a39-4b53-9a0b-3a4b7f0e0001';
const orderB = '3f0c9a52-6a39-4b53-9a0b-3a4b7f0e0002';
/** A record another producer wrote: Confluent wire format, but not a kbus envelope. */
const foreignSchema = {
  type: 'record',
  name: 'LegacyPing',
  namespace: 'com.example.legacy',
  fields: [
    { name: 'seq', type: 'int' },
    { name: 'note', type: 'string' },
  ],
};

beforeAll(() => requireBuiltCli());

afterAll(async () => {
  await deleteTopics([topicName], { withSubjects: true });
});

describe('kbus tail', () => {
  let foreignId = 0;

  beforeAll(async () => {
    expect((await kbus(['topics', 'ensure', NODENEXT_TS], { env })).code).toBe(0);
    const stack = testStack();
    await using publisher = createPublisher({
      brokers: stack.brokers,
      registry: { url: stack.registryUrl },
      topics: [OrderTopic],
      clientId: 'cli-tail-test',
    });
    await publisher.publish(OrderPlaced, { orderId: orderA, amount: 1200 });
    await publisher.publish(OrderCancelled, { orderId: orderA, reason: 'changed my mind' });
    await publisher.publish(OrderPlaced, { orderId: orderB, amount: 5 });
    const registry = new RegistryClient({ url: stack.registryUrl });
    foreignId = await registry.idFor(
      `${topicName}-com.example.legacy.LegacyPing`,
      stableStringify(foreignSchema),
      true,
    );
    const body = avroType(foreignSchema).toBuffer({ seq: 7, note: 'hello' });
    const header = Buffer.alloc(5);
    header.writeInt32BE(foreignId, 1);
    await using clients = kafkaClients();
    const raw = await clients.producer();
    // On partition 0 in this order: a foreign Avro record, then plain text bytes.
    await raw.send({
      topic: topicName,
      messages: [
        { key: 'legacy', value: Buffer.concat([header, body]), partition: 0 },
        { key: 'poison', value: Buffer.from('not avro at all'), partition: 0 },
      ],
    });
  });

  it('prints every record with --json: envelopes, other Avro records, and undecodable bytes with the reason', async () => {
    const run = await kbus(['tail', topicName, '--json'], { env });
    expect(run.code).toBe(0);
    expect(run.lines).toHaveLength(5);
    for (const line of run.lines) {
      expect(Object.keys(line)).toEqual(
        expect.arrayContaining(['topic', 'partition', 'offset', 'timestamp', 'key', 'type', 'payload']),
      );
      expect(line.topic).toBe(topicName);
    }
    const envelopes = run.lines.filter((l) => l.kind === 'envelope');
    expect(envelopes.map((l) => [l.key, l.type, l.payload])).toEqual(
      expect.arrayContaining([
        [orderA, 'order.placed', { orderId: orderA, amount: 1200, note: null }],
        [orderA, 'order.cancelled', { orderId: orderA, reason: 'changed my mind' }],
        [orderB, 'order.placed', { orderId: orderB, amount: 5, note: null }],
      ]),
    );
    // Per key, in order.
    expect(envelopes.filter((l) => l.key === orderA).map((l) => l.type)).toEqual(['order.placed', 'order.cancelled']);
    expect(envelopes.every((l) => typeof l.id === 'string' && !Number.isNaN(Date.parse(String(l.timestamp))))).toBe(
      true,
    );

    const foreign = run.lines.find((l) => l.key === 'legacy');
    expect(foreign).toMatchObject({
      kind: 'avro',
      partition: 0,
      schemaId: foreignId,
      type: 'com.example.legacy.LegacyPing',
      payload: { seq: 7, note: 'hello' },
    });
    const poison = run.lines.find((l) => l.key === 'poison');
    expect(poison).toMatchObject({ partition: 0, payload: null, error: { code: 'BAD_MAGIC_BYTE' } });
    expect(Buffer.from(String(poison?.value), 'base64').toString()).toBe('not avro at all');
  });

  it('shows undecodable records to people too, and filters by type, key, start and count', async () => {
    const human = await kbus(['tail', topicName]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('UNDECODABLE BAD_MAGIC_BYTE');
    expect(human.stdout).toContain('"not avro at all"');
    expect(human.stdout).toContain('com.example.legacy.LegacyPing (not an envelope)');
    expect(human.stderr).toContain('5 record(s)');

    const placed = await kbus(['tail', topicName, '--type', 'order.placed', '--json']);
    expect(placed.lines.map((l) => l.key).sort()).toEqual([orderA, orderB].sort());
    const byKey = await kbus(['tail', topicName, '--key', orderA, '--json']);
    expect(byKey.lines.map((l) => l.type)).toEqual(['order.placed', 'order.cancelled']);

    const legacyOffset = (await kbus(['tail', topicName, '--key', 'legacy', '--json'])).lines[0]?.offset;
    const fromOffset = await kbus(['tail', topicName, '--from', `0:${legacyOffset}`, '--max', '1', '--json']);
    expect(fromOffset.lines.map((l) => l.key)).toEqual(['legacy']);

    const latest = await kbus(['tail', topicName, '--from', 'latest', '--json']);
    expect(latest.code).toBe(0);
    expect(latest.lines).toEqual([]);
    const future = await kbus(['tail', topicName, '--from', new Date(Date.now() + 3_600_000).toISOString(), '--json']);
    expect(future.lines).toEqual([]);
    const past = await kbus(['tail', topicName, '--from', '2020-01-01T00:00:00Z', '--json']);
    expect(past.lines).toHaveLength(5);
  });

  it('follows new records, stops on --max or on SIGINT, and leaves no consumer group behind', async () => {
    const stack = testStack();
    await using publisher = createPublisher({
      brokers: stack.brokers,
      registry: { url: stack.registryUrl },
      topics: [OrderTopic],
      clientId: 'cli-tail-follow',
    });
    const capped = startKbus(['tail', topicName, '--from', 'latest', '--follow', '--max', '1', '--json']);
    await capped.waitFor('stderr', `following ${topicName}`);
    await publisher.publish(OrderCancelled, { orderId: orderB, reason: 'follow' });
    expect(await capped.exited).toBe(0);
    const lines = capped.output.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      expect.objectContaining({ type: 'order.cancelled', payload: { orderId: orderB, reason: 'follow' } }),
    ]);

    const open = startKbus(['tail', topicName, '--from', 'latest', '--follow']);
    await open.waitFor('stderr', `following ${topicName}`);
    await publisher.publish(OrderCancelled, { orderId: orderA, reason: 'then interrupted' });
    await open.waitFor('stdout', 'then interrupted');
    open.child.kill('SIGINT');
    expect(await open.exited).toBe(0);
    expect(open.output.stderr).toContain('1 record(s)');

    // The readers' throwaway groups are named after their process, and deleted on the way out.
    const groups = (await kbus(['groups', 'ls', '--json'])).lines.map((l) => String(l.group));
    for (const pid of [capped.child.pid, open.child.pid]) {
      expect(groups.filter((g) => g.includes(`-${pid}-`))).toEqual([]);
    }
  });

  it('exits 2 on a bad --from and 1 for a topic that does not exist', async () => {
    const bad = await kbus(['tail', topicName, '--from', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--from "yesterday" is not earliest, latest');
    const missing = await kbus(['tail', uniqueName('cli-missing')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('TOPIC_NOT_FOUND');
  });
});

describe('kbus topics ensure', () => {
  const ensured = uniqueName('cli-topics');
  const ensuredEnv = { KBUS_FIXTURE_TOPIC: ensured };
  afterAll(() => deleteTopics([ensured]));

  it('creates the declared topic, then finds it as declared, and exits 1 on a difference', async () => {
    const dry = await kbus(['topics', 'ensure', NODENEXT_TS, '--dry-run', '--json'], { env: ensuredEnv });
    expect(dry.code).toBe(0);
    expect(dry.lines).toEqual([{ topic: ensured, status: 'missing', mismatches: [], dryRun: true }]);
    expect((await kbus(['tail', ensured])).stderr).toContain('TOPIC_NOT_FOUND');

    const created = await kbus(['topics', 'ensure', NODENEXT_TS, '--json'], { env: ensuredEnv });
    expect(created.code).toBe(0);
    expect(created.lines).toEqual([{ topic: ensured, status: 'created', mismatches: [] }]);

    const again = await kbus(['topics', 'ensure', NODENEXT_TS], { env: ensuredEnv });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^${ensured.replace(/[.]/g, '\\.')} +ok`, 'm'));

    const different = await kbus(['topics', 'ensure', NODENEXT_TS, '--json'], {
      env: { ...ensuredEnv, KBUS_FIXTURE_PARTITIONS: '5' },
    });
    expect(different.code).toBe(1);
    expect(different.lines[0]).toMatchObject({ status: 'mismatch', mismatches: ['has 3 partitions, declared 5'] });
    const differentDry = await kbus(['topics', 'ensure', NODENEXT_TS, '--dry-run'], {
      env: { ...ensuredEnv, KBUS_FIXTURE_PARTITIONS: '5' },
    });
    expect(differentDry.code).toBe(1);
    expect(differentDry.stdout).toContain('has 3 partitions, declared 5');
  });
});
