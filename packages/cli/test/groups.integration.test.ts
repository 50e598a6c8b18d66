import { createPublisher } from '@kbus/publisher';
import { createSubscriber } from '@kbus/subscriber';
import { committedOffsets, deleteTopics, testStack, uniqueName, waitForGroupAtEnd } from '@kbus/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kbus, NODENEXT_TS, requireBuiltCli } from './support.ts';

const topicName = uniqueName('cli-groups');
const env = { KBUS_FIXTURE_TOPIC: topicName };
process.env.KBUS_FIXTURE_TOPIC = topicName;
const { OrderPlaced, OrderTopic } = await import('./fixtures/nodenext/contracts.ts');
const groupId = uniqueName('cli-group');
const ids = Array.from({ length: 12 }, (_, i) => `3f0c9a52-6a39-4b53-9a0b-3a4b7f0e${String(i).padStart(4, '0')}`);

function connection() {
  const stack = testStack();
  return { brokers: stack.brokers, registry: { url: stack.registryUrl } };
}

function subscriber() {
  return createSubscriber({
    ...connection(),
    groupId,
    topics: [OrderTopic],
    handlers: { 'order.placed': () => {}, 'order.cancelled': () => {} },
  });
}

beforeAll(async () => {
  requireBuiltCli();
  expect((await kbus(['topics', 'ensure', NODENEXT_TS], { env })).code).toBe(0);
  await using publisher = createPublisher({ ...connection(), topics: [OrderTopic], clientId: 'cli-groups' });
  await publisher.publishMany(ids.map((orderId, amount) => ({ event: OrderPlaced, payload: { orderId, amount } })));
  await using consumer = subscriber();
  await consumer.start();
  await waitForGroupAtEnd(groupId, topicName);
});

afterAll(async () => {
  await deleteTopics([topicName], { withSubjects: true });
});

describe('kbus groups', () => {
  it('lists the group, stopped, and its lag per partition (0 at the end)', async () => {
    const listed = await kbus(['groups', 'ls', '--json']);
    expect(listed.code).toBe(0);
    expect(listed.lines).toContainEqual({ group: groupId, state: 'Empty', members: 0 });

    const lag = await kbus(['groups', 'lag', groupId, '--json']);
    expect(lag.code).toBe(0);
    expect(lag.lines).toHaveLength(3);
    const ends = await committedOffsets(groupId, topicName);
    for (const line of lag.lines) {
      expect(line).toMatchObject({ group: groupId, topic: topicName, lag: 0 });
      expect(line.committed).toBe(ends.get(line.partition as number));
      expect(line.end).toBe(line.committed);
    }
    const human = await kbus(['groups', 'lag', groupId]);
    expect(human.stdout).toMatch(/^TOPIC +PARTITION +COMMITTED +END +LAG$/m);
    expect(human.stdout).toContain('total lag 0');
  });

  it('previews a reset with --dry-run without moving anything, then resets for real', async () => {
    const before = await committedOffsets(groupId, topicName);
    const dry = await kbus(['groups', 'reset', groupId, '--to', 'earliest', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(dry.lines).toHaveLength(3);
    for (const line of dry.lines) {
      expect(line).toMatchObject({ dryRun: true, after: '0', before: before.get(line.partition as number) });
    }
    expect(await committedOffsets(groupId, topicName)).toEqual(before);

    const reset = await kbus(['groups', 'reset', groupId, '--to', 'earliest']);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(/^TOPIC +PARTITION +BEFORE +AFTER$/m);
    expect([...(await committedOffsets(groupId, topicName)).values()]).toEqual(['0', '0', '0']);
    const lag = await kbus(['groups', 'lag', groupId, '--json']);
    expect(lag.lines.reduce((n, l) => n + (l.lag as number), 0)).toBe(ids.length);
    const overLimit = await kbus(['groups', 'lag', groupId, '--max-lag', String(ids.length - 1)]);
    expect(overLimit.code).toBe(1);
    expect(overLimit.stderr).toContain(`lags ${ids.length} record(s), more than --max-lag ${ids.length - 1}`);
    expect((await kbus(['groups', 'lag', groupId, '--max-lag', String(ids.length)])).code).toBe(0);

    const toTime = await kbus([
      'groups',
      'reset',
      groupId,
      '--to',
      new Date(Date.now() + 60_000).toISOString(),
      '--json',
    ]);
    expect(toTime.code).toBe(0);
    expect((await kbus(['groups', 'lag', groupId, '--json'])).lines.every((l) => l.lag === 0)).toBe(true);
  });

  it('refuses to reset a group with active members (exit 1), changing nothing', async () => {
    await using consumer = subscriber();
    await consumer.start();
    const before = await committedOffsets(groupId, topicName);
    const refused = await kbus(['groups', 'reset', groupId, '--to', 'earliest', '--json']);
    expect(refused.code).toBe(1);
    expect(refused.lines).toEqual([expect.objectContaining({ group: groupId, refused: true, code: 'GROUP_ACTIVE' })]);
    expect(refused.stderr).toContain('active member');
    const dry = await kbus(['groups', 'reset', groupId, '--to', 'earliest', '--dry-run']);
    expect(dry.code).toBe(1);
    expect(await committedOffsets(groupId, topicName)).toEqual(before);
    const listed = await kbus(['groups', 'ls', '--json']);
    expect(listed.lines.find((l) => l.group === groupId)).toMatchObject({ state: 'Stable', members: 1 });
  });

  it('exits 2 without --to', async () => {
    const run = await kbus(['groups', 'reset', groupId]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('missing --to');
  });
});
