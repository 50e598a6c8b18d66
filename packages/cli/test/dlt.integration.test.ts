import { createPublisher } from '@kbus/publisher';
import { createSubscriber, notRetriable } from '@kbus/subscriber';
import {
  committedOffsets,
  deleteTopics,
  endOffsets,
  kafkaClients,
  readTopic,
  testStack,
  uniqueName,
  waitForGroupAtEnd,
} from '@kbus/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kbus, NODENEXT_TS, requireBuiltCli } from './support.ts';

const topicName = uniqueName('cli-dlt');
const dlt = `${topicName}.dlt`;
const env = { KBUS_FIXTURE_TOPIC: topicName };
process.env.KBUS_FIXTURE_TOPIC = topicName;
const { OrderCancelled, OrderPlaced, OrderTopic } = await import('./fixtures/nodenext/contracts.ts');
const groupId = uniqueName('cli-dlt-group');
const order = (i: number) => `3f0c9a52-6a39-4b53-9a0b-3a4b7f0e${String(i).padStart(4, '0')}`;

beforeAll(async () => {
  requireBuiltCli();
  expect((await kbus(['topics', 'ensure', NODENEXT_TS], { env })).code).toBe(0);
  const stack = testStack();
  const connection = { brokers: stack.brokers, registry: { url: stack.registryUrl } };
  await using publisher = createPublisher({ ...connection, topics: [OrderTopic], clientId: 'cli-dlt' });
  await publisher.publish(OrderPlaced, { orderId: order(1), amount: 1 });
  await publisher.publish(OrderCancelled, { orderId: order(2), reason: 'refused by the handler' });
  await publisher.publish(OrderCancelled, { orderId: order(3), reason: 'refused by the handler' });
  await using clients = kafkaClients();
  const raw = await clients.producer();
  await raw.send({ topic: topicName, messages: [{ key: 'poison', value: Buffer.from('garbage'), partition: 1 }] });
  // A real subscriber dead-letters: two handler refusals and one undecodable record.
  await using subscriber = createSubscriber({
    ...connection,
    groupId,
    topics: [OrderTopic],
    handlers: {
      'order.placed': () => {},
      'order.cancelled': (event) => {
        throw notRetriable(`cannot cancel ${event.payload.orderId}`);
      },
    },
  });
  await subscriber.start();
  await waitForGroupAtEnd(groupId, topicName);
  expect(subscriber.stats()).toMatchObject({ deadLettered: 3 });
});

afterAll(async () => {
  await deleteTopics([topicName, dlt], { withSubjects: true });
});

describe('kbus dlt', () => {
  it('counts dead letters by error code and original topic', async () => {
    const run = await kbus(['dlt', 'ls', dlt, '--json']);
    expect(run.code).toBe(0);
    const codes = Object.fromEntries(run.lines.map((l) => [l.errorCode, l.count]));
    expect(Object.values(codes).reduce((a, b) => Number(a) + Number(b), 0)).toBe(3);
    expect(codes.HANDLER_FAILED).toBe(2);
    expect(run.lines.every((l) => l.originalTopic === topicName)).toBe(true);
    const human = await kbus(['dlt', 'ls', dlt]);
    expect(human.stdout).toMatch(/^ERROR CODE +ORIGINAL TOPIC +COUNT$/m);
    expect(human.stdout).toMatch(new RegExp(`^HANDLER_FAILED +${topicName.replace(/\./g, '\\.')} +2$`, 'm'));
  });

  it('shows the reason, the stack and the decoded value of a selection', async () => {
    const run = await kbus([
      'dlt',
      'show',
      dlt,
      '--where',
      'code=HANDLER_FAILED',
      '--where',
      `key=${order(2)}`,
      '--json',
    ]);
    expect(run.code).toBe(0);
    expect(run.lines).toHaveLength(1);
    expect(run.lines[0]).toMatchObject({
      key: order(2),
      type: 'order.cancelled',
      payload: { orderId: order(2), reason: 'refused by the handler' },
      deadLetter: { errorCode: 'HANDLER_FAILED', originalTopic: topicName, consumerGroup: groupId },
    });
    const info = run.lines[0]?.deadLetter as { message: string; stacktrace: string };
    expect(info.message).toContain(`cannot cancel ${order(2)}`);
    expect(info.stacktrace).toContain('at ');
    const poison = await kbus(['dlt', 'show', dlt, '--where', 'key=poison']);
    expect(poison.stdout).toContain('undecodable (BAD_MAGIC_BYTE');
    expect(poison.stdout).toMatch(
      new RegExp(`BAD_MAGIC_BYTE from ${topicName.replace(/\./g, '\\.')}/1/\\d+ group ${groupId}`),
    );
  });

  it('redrives a selection: --dry-run sends and commits nothing, then only the selected record goes back', async () => {
    const endsBefore = await endOffsets(topicName);
    const dry = await kbus(['dlt', 'redrive', dlt, '--where', 'code=HANDLER_FAILED', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(
      dry.lines
        .filter((l) => l.wouldRedrive)
        .map((l) => l.key)
        .sort(),
    ).toEqual([order(2), order(3)]);
    expect(dry.lines.at(-1)).toMatchObject({ dryRun: true, redriven: 2, passedOver: 1 });
    expect(await endOffsets(topicName)).toEqual(endsBefore);
    expect([...(await committedOffsets(`${dlt}.redrive`, dlt)).values()].every((o) => o === '-1')).toBe(true);

    const run = await kbus(['dlt', 'redrive', dlt, '--where', `key=${order(3)}`, '--json']);
    expect(run.code).toBe(0);
    expect(run.lines).toEqual([{ dryRun: false, topic: dlt, group: `${dlt}.redrive`, redriven: 1, passedOver: 2 }]);
    expect(run.stderr).toContain(`the 2 record(s) passed over will not be offered to group ${dlt}.redrive again`);
    const back = (await readTopic(topicName)).filter((r) => r.headers['kbus_redriven-from'] !== undefined);
    expect(back.map((r) => r.key?.toString())).toEqual([order(3)]);
    // The redrive group moved past everything it read: a second run finds nothing left.
    const again = await kbus(['dlt', 'redrive', dlt, '--dry-run', '--json']);
    expect(again.lines.at(-1)).toMatchObject({ redriven: 0, passedOver: 0 });
  });

  it('exits 2 on an unknown --where key', async () => {
    const run = await kbus(['dlt', 'ls', dlt, '--where', 'colour=red']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('use code=…, type=…, key=…, topic=…');
  });
});
