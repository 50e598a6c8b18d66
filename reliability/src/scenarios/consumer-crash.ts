import { createPublisher } from '@kbus/publisher';
import { testStack, uniqueName } from '@kbus/testkit';
import {
  analyzeHandling,
  analyzeLog,
  groupReachesEnd,
  now,
  producerSettings,
  publishSteps,
  readSteps,
  scenarioTopic,
  trafficFigures,
} from '../harness.ts';
import { MemberPool } from '../members.ts';
import type { ScenarioResult } from '../result.ts';

const randomBetween = (min: number, max: number) => min + Math.floor(Math.random() * (max - min));

/** A pause of the fault injector between two faults (it waits for nothing). */
const injectorPause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Scenario 3 (crashes: SIGKILL members at random moments, including between handling and
 * committing) and scenario 4 (storm: members join and leave every few seconds), under a
 * steady stream; members are separate processes.
 */
export async function memberFaults(kind: 'crash' | 'storm', events: number, rounds: number): Promise<ScenarioResult> {
  const started = now();
  const stack = testStack();
  const topic = scenarioTopic(kind === 'crash' ? 'consumer-crash' : 'rebalance-storm', 6);
  await using publisher = createPublisher({
    brokers: stack.brokers,
    ...producerSettings(),
    registry: { url: stack.registryUrl },
    topics: [topic],
    clientId: `reliability-${kind}`,
  });
  await publisher.ensureTopics();
  const groupId = uniqueName(`rel-${kind}`);
  const pool = new MemberPool(topic.name, groupId, 1);
  await Promise.all([pool.start(), pool.start(), pool.start()]);

  const keys = Array.from({ length: 60 }, (_, i) => `agg-${i}`);
  // Paced so that the stream lasts through all the faults.
  const workload = publishSteps(publisher, keys, Math.ceil(events / keys.length), events / (rounds * 2.5));
  let kills = 0;
  let leaves = 0;
  let joins = 0;
  for (let round = 0; round < rounds; round++) {
    await injectorPause(kind === 'crash' ? randomBetween(500, 3_000) : randomBetween(2_000, 3_500));
    const live = [...pool.live];
    if (kind === 'crash') {
      const victim = live[randomBetween(0, live.length)];
      if (victim) {
        await pool.stop(victim, 'SIGKILL');
        kills++;
      }
      await pool.start();
      joins++;
    } else if (live.length > 1 && (live.length >= 4 || Math.random() < 0.5)) {
      const leaving = live[randomBetween(0, live.length)];
      if (leaving) await pool.stop(leaving, 'SIGTERM');
      leaves++;
    } else {
      await pool.start();
      joins++;
    }
  }
  await workload.done;
  if (pool.live.size === 0) await pool.start();
  const atEnd = await groupReachesEnd(groupId, topic.name, 300_000);
  await pool.stopAll('SIGTERM');

  const log = await readSteps(topic, workload.acks.length);
  const logCheck = analyzeLog(workload.acks, workload.failures, log);
  const handled = pool.handled();
  const handling = analyzeHandling(log, handled);
  // A killed member re-delivers at most what it handled since its last commit: 1,000
  // records or 1 s of work (commit.everyRecords / intervalMs), plus what finished while that
  // commit was in flight. A graceful leave commits first.
  const duplicateBound = Math.max(1, kills) * 1_200 + leaves * 50;
  return {
    id: kind === 'crash' ? 'consumer-crash' : 'rebalance-storm',
    title: kind === 'crash' ? '3. Consumer crashes' : '4. Rebalance storm',
    description:
      kind === 'crash'
        ? `Three members (separate processes) read 6 partitions; ${rounds} times a random member is SIGKILLed at a random moment and a new one started.`
        : `Members (separate processes) join and leave (graceful SIGTERM) every 2–3.5 s, ${rounds} times, under a steady stream.`,
    ...trafficFigures(workload, logCheck, handled, handling),
    recoveryMs: [],
    durationMs: now() - started,
    notes: [`${kills} kills, ${joins} joins, ${leaves} graceful leaves; redeliveries bound used: ${duplicateBound}`],
    checks: [
      { name: 'no acknowledged event lost', ok: logCheck.lost === 0 },
      { name: 'every event handled at least once', ok: handling.unhandled === 0 },
      { name: 'first handlings in order per aggregate', ok: handling.outOfOrder === 0 },
      { name: 'committed offsets = end offsets', ok: atEnd },
      { name: 'redeliveries within the uncommitted window', ok: handling.duplicatesHandled <= duplicateBound },
    ],
  };
}
