import { createPublisher } from '@kbus/publisher';
import { createSubscriber } from '@kbus/subscriber';
import { testStack, uniqueName, waitFor } from '@kbus/testkit';
import {
  type Ack,
  analyzeHandling,
  analyzeLog,
  busiestLeader,
  groupReachesEnd,
  type Handled,
  killBroker,
  now,
  producerSettings,
  progress,
  publishSteps,
  readSteps,
  restartBroker,
  scenarioTopic,
  step,
  trafficFigures,
  waitFullIsr,
} from '../harness.ts';
import type { ScenarioResult } from '../result.ts';

/**
 * Milliseconds from `killedAt` to the first acknowledgement of a publish started after it on
 * one of `partitions` (the lost leader's), or -1 if there was none.
 */
function resumption(acks: readonly Ack[], partitions: readonly number[], killedAt: number): number {
  const after = acks.filter((a) => a.startedAt > killedAt && partitions.includes(a.partition));
  return after.length === 0 ? -1 : Math.min(...after.map((a) => a.at)) - killedAt;
}

/**
 * Three brokers, RF 3, min.insync.replicas 2, acks=all. During a steady publish the leader
 * of the busiest partitions is SIGKILLed, later restarted, then another broker is killed.
 */
export async function brokerLoss(events: number, ratePerSecond: number): Promise<ScenarioResult> {
  const started = now();
  const stack = testStack();
  const connection = { brokers: stack.brokers, registry: { url: stack.registryUrl } };
  const topic = scenarioTopic('broker-loss', 12);
  await using publisher = createPublisher({
    ...connection,
    ...producerSettings(),
    topics: [topic],
    clientId: 'reliability-broker-loss',
  });
  await publisher.ensureTopics();
  await waitFullIsr([topic.name]);

  const handled: Handled[] = [];
  const groupId = uniqueName('rel-broker-loss');
  await using subscriber = createSubscriber({
    ...connection,
    groupId,
    topics: [topic],
    concurrency: { partitions: 4 },
    handlers: {
      'reliability.step': (event) =>
        void handled.push({ eventId: event.id, key: event.payload.key, seq: event.payload.seq, at: now() }),
    },
  });
  await subscriber.start();

  const keys = Array.from({ length: 200 }, (_, i) => `agg-${i}`);
  // The second broker loss must happen under traffic: on a slow machine the cluster can take
  // longer to get its replicas back in sync after the first than the planned load lasts.
  let underTest = true;
  const workload = publishSteps(publisher, keys, Math.ceil(events / keys.length), ratePerSecond, () => underTest);
  const stopProgress = progress(
    'broker loss',
    workload,
    () => `handled ${handled.length}, subscriber ${JSON.stringify(subscriber.health())}`,
  );
  const notes: string[] = [];

  await workload.acked(Math.floor(events * 0.25));
  const first = await busiestLeader(topic.name);
  const firstKilledAt = now();
  killBroker(first.node);
  step(`killed broker ${first.node}`);
  notes.push(
    `killed broker ${first.node} (leader of ${first.partitions.length} of 12 partitions) after ${workload.acks.length} acknowledgements`,
  );

  await workload.acked(Math.floor(events * 0.5));
  step(`restarting broker ${first.node}`);
  await restartBroker(first.node);
  await waitFullIsr([topic.name]);
  notes.push(`restarted broker ${first.node}; all replicas back in sync after ${now() - firstKilledAt} ms`);

  await workload.acked(Math.floor(events * 0.7));
  const second = await busiestLeader(topic.name, [first.node]);
  const secondKilledAt = now();
  killBroker(second.node);
  step(`killed broker ${second.node}`);
  notes.push(
    `killed broker ${second.node} (leader of ${second.partitions.length} partitions) after ${workload.acks.length} acknowledgements`,
  );

  // Keep publishing until the lost leader's partitions took writes again (bounded): the
  // recovery is measured on publishes started after the kill.
  await waitFor(() => resumption(workload.acks, second.partitions, secondKilledAt) >= 0, {
    timeoutMs: 120_000,
    intervalMs: 250,
    description: `a publish acknowledged on a partition broker ${second.node} led`,
  }).catch(() => {});
  underTest = false;
  step('waiting for the publishers to finish');
  await workload.done;
  stopProgress();
  const firstRecovery = resumption(workload.acks, first.partitions, firstKilledAt);
  const secondRecovery = resumption(workload.acks, second.partitions, secondKilledAt);
  step(`restarting broker ${second.node}`);
  await restartBroker(second.node);
  await waitFullIsr([topic.name]);
  step('reading the log back');
  const log = await readSteps(topic, workload.acks.length);
  const logCheck = analyzeLog(workload.acks, workload.failures, log);
  step('waiting for the consumer group to reach the end');
  const atEnd = await groupReachesEnd(groupId, topic.name);
  const handling = analyzeHandling(log, handled);
  const failuresRetriable = workload.failures.every((f) => f.retriable);
  if (logCheck.failedButWritten > 0) {
    notes.push(
      `${logCheck.failedButWritten} publish(es) reported an error but were written (ambiguous outcome, as with any Kafka client)`,
    );
  }
  return {
    id: 'broker-loss',
    title: '1. Broker loss',
    description:
      'Steady publish of keyed events (200 aggregates, each strictly sequential) to 12 partitions, RF 3, min.insync.replicas 2, acks=all, idempotent producer; ' +
      'SIGKILL of the busiest leader, its restart, then SIGKILL of another broker. A consumer group reads throughout.',
    ...trafficFigures(workload, logCheck, handled, handling),
    recoveryMs: [firstRecovery, secondRecovery],
    durationMs: now() - started,
    notes,
    checks: [
      { name: 'publishing resumed after each broker loss', ok: firstRecovery >= 0 && secondRecovery >= 0 },
      { name: 'no acknowledged event lost', ok: logCheck.lost === 0 },
      { name: 'no event twice in the log (idempotent producer)', ok: logCheck.duplicated === 0 },
      { name: 'per-aggregate order in the log = publish order', ok: logCheck.outOfOrder === 0 },
      { name: 'every error a caller saw is marked retriable', ok: failuresRetriable },
      { name: 'every event in the log handled at least once', ok: handling.unhandled === 0 },
      { name: 'first handlings in order per aggregate', ok: handling.outOfOrder === 0 },
      { name: 'committed offsets = end offsets', ok: atEnd },
    ],
  };
}
