import { createPublisher } from '@kbus/publisher';
import { testStack, waitFor } from '@kbus/testkit';
import {
  analyzeLog,
  killBroker,
  now,
  producerSettings,
  publishSteps,
  readSteps,
  restartBroker,
  scenarioTopic,
  waitFullIsr,
} from '../harness.ts';
import { countBy, type ScenarioResult, sampleMessages } from '../result.ts';

/**
 * With two of three brokers down (min.insync.replicas 2), writes cannot be acknowledged:
 * each publish must fail with a retriable error within its delivery timeout, never hang and
 * never report a false success; after recovery publishing works again and nothing
 * acknowledged is missing.
 */
export async function quorumLoss(eventsPerPhase: number): Promise<ScenarioResult> {
  const started = now();
  const stack = testStack();
  const deliveryTimeoutMs = 20_000;
  const topic = scenarioTopic('quorum-loss', 6);
  await using publisher = createPublisher({
    brokers: stack.brokers,
    ...producerSettings(),
    registry: { url: stack.registryUrl },
    topics: [topic],
    clientId: 'reliability-quorum-loss',
    deliveryTimeoutMs,
  });
  await publisher.ensureTopics();
  await waitFullIsr([topic.name]);
  const keys = Array.from({ length: 20 }, (_, i) => `agg-${i}`);
  const perKey = Math.ceil(eventsPerPhase / keys.length);

  const before = publishSteps(
    publisher,
    keys.map((k) => `${k}-before`),
    perKey,
  );
  await before.done;

  const downAt = now();
  killBroker(2);
  killBroker(3);
  const during = publishSteps(
    publisher,
    keys.map((k) => `${k}-during`),
    5,
  );
  await during.done;
  const outageAnswered = now() - downAt;

  await Promise.all([restartBroker(2), restartBroker(3)]);
  await waitFullIsr([topic.name], 180_000);
  // The first publish after recovery may wait for the client's stuck send to finish.
  const recoveredAt = now();
  await waitFor(
    async () => {
      const probe = publishSteps(publisher, [`probe-${now()}`], 1);
      await probe.done;
      return probe.acks.length === 1;
    },
    { timeoutMs: 180_000, intervalMs: 1_000, description: 'publishing to work again' },
  );
  const after = publishSteps(
    publisher,
    keys.map((k) => `${k}-after`),
    perKey,
  );
  await after.done;
  const resumedMs = now() - recoveredAt;

  const acks = [...before.acks, ...during.acks, ...after.acks];
  const failures = [...before.failures, ...during.failures, ...after.failures];
  const log = await readSteps(topic, acks.length);
  const logCheck = analyzeLog(acks, failures, log);
  const slowest = Math.max(0, ...during.failures.map((f) => f.waitedMs));
  return {
    id: 'quorum-loss',
    title: '2. Loss of quorum for writes',
    description:
      'Two of three brokers SIGKILLed (min.insync.replicas 2, acks=all): publishes must fail with a retriable error within the delivery timeout ' +
      `(${deliveryTimeoutMs / 1000} s here), never hang or falsely succeed; after both return, publishing resumes.`,
    published: before.attempted + during.attempted + after.attempted,
    acknowledged: acks.length,
    handled: undefined,
    lost: logCheck.lost,
    duplicatedInLog: logCheck.duplicated,
    duplicatesHandled: undefined,
    outOfOrder: logCheck.outOfOrder,
    errorsToCallers: failures.length,
    errorCodes: countBy(failures, (f) => f.code),
    recoveryMs: [resumedMs],
    durationMs: now() - started,
    notes: [
      `during the outage ${during.attempted} publishes: ${during.acks.length} acknowledged, ${during.failures.length} failed; all answered within ${outageAnswered} ms (slowest caller waited ${slowest} ms)`,
      `after restarting both brokers, publishing worked again after ${resumedMs} ms`,
      ...sampleMessages(before.failures).map((m) => `before the outage: ${m}`),
      ...sampleMessages(during.failures).map((m) => `during the outage: ${m}`),
      ...sampleMessages(after.failures).map((m) => `after the outage: ${m}`),
    ],
    checks: [
      { name: 'no publish acknowledged while writes were impossible', ok: during.acks.length === 0 },
      { name: 'every failure during the outage is retriable', ok: during.failures.every((f) => f.retriable) },
      { name: 'no caller waited past the delivery timeout (+5 s)', ok: slowest <= deliveryTimeoutMs + 5_000 },
      {
        name: 'all publishes before and after the outage acknowledged',
        ok: before.failures.length === 0 && after.failures.length === 0,
      },
      { name: 'no acknowledged event lost', ok: logCheck.lost === 0 },
      { name: 'per-aggregate order in the log = publish order', ok: logCheck.outOfOrder === 0 },
    ],
  };
}
