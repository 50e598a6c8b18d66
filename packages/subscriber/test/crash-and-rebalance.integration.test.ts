import { committedOffsets, kafkaClients, uniqueName, waitFor, waitForGroupAtEnd } from '@kbus/testkit';
import { describe, expect, it } from 'vitest';
import { counterTopic, keysOf } from './fixtures.ts';
import { firstHandlingOrder, Members } from './support/members.ts';

const sum = (m: Map<number, string>) => [...m.values()].reduce((a, b) => a + Math.max(0, Number(b)), 0);

function expectEveryEventInOrder(members: Members, keys: readonly string[], perKey: number) {
  const order = firstHandlingOrder(members.entries());
  for (const key of keys) expect(order.get(key), key).toEqual(Array.from({ length: perKey }, (_, i) => i));
}

describe('crashes: at-least-once across process deaths (members are child processes)', () => {
  it('redelivers a record whose member died after handling it but before committing', async () => {
    await using fixture = await counterTopic(1, 'crash');
    await fixture.publishTicks(['key-0'], 10);
    const groupId = uniqueName('crash');
    await using members = new Members(fixture.topic.name, groupId);
    const first = await members.start({ MEMBER_MODE: 'crash-after-handle', MEMBER_TARGET: '5' });
    await members.exited(first);
    expect(first.signalCode).toBe('SIGKILL');
    const before = members.handled().map((e) => e.seq);
    expect(before).toEqual([0, 1, 2, 3, 4, 5]);
    expect(sum(await committedOffsets(groupId, fixture.topic.name))).toBeLessThanOrEqual(5);

    await members.start();
    await waitForGroupAtEnd(groupId, fixture.topic.name, { timeoutMs: 120_000 });
    const byPid = Map.groupBy(members.handled(), (e) => e.pid);
    const second = [...byPid.entries()].find(([pid]) => pid !== first.pid)?.[1].map((e) => e.seq) ?? [];
    // Seq 5 was handled, never committed, and handled again by the next member.
    expect(second).toContain(5);
    expect(second.at(-1)).toBe(9);
    expectEveryEventInOrder(members, ['key-0'], 10);
  });

  it('never commits a record whose handler never finished', async () => {
    await using fixture = await counterTopic(1, 'hang');
    await fixture.publishTicks(['key-0'], 10);
    const groupId = uniqueName('hang');
    await using members = new Members(fixture.topic.name, groupId);
    const first = await members.start({ MEMBER_MODE: 'hang', MEMBER_TARGET: '5', MEMBER_COMMIT_EVERY: '1' });
    await waitFor(() => members.entries().some((e) => e.type === 'hanging'), {
      description: 'the handler of seq 5 to start',
    });
    await waitFor(async () => (await committedOffsets(groupId, fixture.topic.name)).get(0) === '5', {
      description: 'seqs 0–4 to be committed',
    });
    await members.kill(first);
    expect((await committedOffsets(groupId, fixture.topic.name)).get(0)).toBe('5');

    await members.start();
    await waitForGroupAtEnd(groupId, fixture.topic.name, { timeoutMs: 120_000 });
    expectEveryEventInOrder(members, ['key-0'], 10);
  });

  it('loses nothing when one of three members is killed during a stream of 10,000 events over 6 partitions', async () => {
    await using fixture = await counterTopic(6, 'kill');
    const keys = keysOf(50);
    const groupId = uniqueName('kill');
    await using members = new Members(fixture.topic.name, groupId);
    const started = await Promise.all([
      members.start({ MEMBER_DELAY_MS: '1' }),
      members.start({ MEMBER_DELAY_MS: '1' }),
      members.start({ MEMBER_DELAY_MS: '1' }),
    ]);
    const publishing = fixture.publishTicks(keys, 200);
    await waitFor(() => members.handled().length >= 3_000, { timeoutMs: 120_000, description: '3,000 events handled' });
    const victim = started[1];
    if (!victim) throw new Error('no member to kill');
    await members.kill(victim);
    await publishing;
    await waitForGroupAtEnd(groupId, fixture.topic.name, { timeoutMs: 180_000 });

    const handled = members.handled();
    const distinct = new Set(handled.map((e) => `${e.key}#${e.seq}`));
    expect(distinct.size).toBe(10_000);
    expectEveryEventInOrder(members, keys, 200);
    expect(sum(await committedOffsets(groupId, fixture.topic.name))).toBe(10_000);
    // Redeliveries are bounded by what the killed member had not committed.
    expect(handled.length - 10_000).toBeLessThan(2_000);
  });

  it('scales 1 → 3 → 1 under load without losing events or committing partitions a member no longer owns', async () => {
    await using fixture = await counterTopic(6, 'scale');
    const keys = keysOf(30);
    const groupId = uniqueName('scale');
    await using members = new Members(fixture.topic.name, groupId);
    await members.start({ MEMBER_DELAY_MS: '1' });

    // An outside observer: a group's committed offsets must never go backwards.
    const regressions: string[] = [];
    const last = new Map<number, number>();
    let observing = true;
    await using clients = kafkaClients();
    const admin = await clients.admin();
    const observer = (async () => {
      while (observing) {
        const [result] = await admin.fetchOffsets({ groupId, topics: [fixture.topic.name] });
        for (const { partition, offset } of result?.partitions ?? []) {
          const value = Number(offset);
          if (value >= 0 && value < (last.get(partition) ?? -1))
            regressions.push(`${partition}: ${last.get(partition)} → ${value}`);
          last.set(partition, Math.max(value, last.get(partition) ?? -1));
        }
        // Sampling pace of the observer (it waits for nothing).
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    const publishing = fixture.publishTicks(keys, 200);
    await waitFor(() => members.handled().length >= 1_000, { timeoutMs: 120_000, description: '1,000 events handled' });
    const [second, third] = await Promise.all([
      members.start({ MEMBER_DELAY_MS: '1' }),
      members.start({ MEMBER_DELAY_MS: '1' }),
    ]);
    await waitFor(() => members.handled().length >= 3_500, { timeoutMs: 120_000, description: '3,500 events handled' });
    if (!second || !third) throw new Error('members did not start');
    await Promise.all([members.terminate(second), members.terminate(third)]);
    await publishing;
    await waitForGroupAtEnd(groupId, fixture.topic.name, { timeoutMs: 180_000 });
    observing = false;
    await observer;

    const entries = members.entries();
    expect(new Set(members.handled().map((e) => `${e.key}#${e.seq}`)).size).toBe(6_000);
    expectEveryEventInOrder(members, keys, 200);
    // Every commit a member made was for partitions it owned at that moment.
    const foreign = entries
      .filter((e) => e.type === 'commit')
      .flatMap((e) =>
        (e.offsets ?? [])
          .filter((o) => !(e.assignment?.[o.topic] ?? []).includes(o.partition))
          .map((o) => `${e.pid}:${o.partition}`),
      );
    expect(foreign).toEqual([]);
    expect(regressions).toEqual([]);
    expect(entries.filter((e) => e.type === 'stopped')).toHaveLength(2);
  });
});
