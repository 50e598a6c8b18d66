import { isKbusError } from '@kbus/core';
import { createPublisher } from '@kbus/publisher';
import { createSubscriber } from '@kbus/subscriber';
import { testStack, uniqueName } from '@kbus/testkit';
import { signalProcess } from '@kbus/testkit/stack';
import { groupReachesEnd, now, producerSettings, publishSteps, scenarioTopic } from '../harness.ts';
import { countBy, type ScenarioResult } from '../result.ts';

/**
 * The registry freezes (SIGSTOP: connections hang, the harder case) while a publisher and a
 * subscriber run with warmed caches: they keep working. A cold start meanwhile fails fast
 * with a clear error.
 */
export async function registryOutage(events: number): Promise<ScenarioResult> {
  const started = now();
  const stack = testStack();
  const registry = { url: stack.registryUrl, timeoutMs: 3_000, retries: 1 };
  const topic = scenarioTopic('registry-outage', 3);
  await using publisher = createPublisher({
    brokers: stack.brokers,
    ...producerSettings(),
    registry,
    topics: [topic],
    clientId: 'reliability-registry',
  });
  await publisher.ensureTopics();
  const handled = new Set<string>();
  const groupId = uniqueName('rel-registry');
  await using subscriber = createSubscriber({
    brokers: stack.brokers,
    registry,
    groupId,
    topics: [topic],
    handlers: { 'reliability.step': (event) => void handled.add(event.id) },
  });
  await subscriber.start();
  const warmUp = publishSteps(publisher, ['warm'], 5);
  await warmUp.done;
  await groupReachesEnd(groupId, topic.name);

  signalProcess('schema-registry', 'SIGSTOP');
  const notes: string[] = [];
  const checks = [];
  try {
    const keys = Array.from({ length: 20 }, (_, i) => `agg-${i}`);
    const during = publishSteps(publisher, keys, Math.ceil(events / keys.length));
    await during.done;
    const atEnd = await groupReachesEnd(groupId, topic.name, 120_000);
    const allHandled = during.acks.every((a) => handled.has(a.eventId));

    const coldStart = now();
    const cold = createPublisher({
      brokers: stack.brokers,
      ...producerSettings(),
      registry,
      topics: [topic],
      clientId: 'reliability-cold',
    });
    const coldError = await cold.connect().then(
      () => undefined,
      (error: unknown) => error,
    );
    const coldMs = now() - coldStart;
    await cold.close().catch(() => {});
    const coldSubscriber = createSubscriber({
      brokers: stack.brokers,
      registry,
      groupId: uniqueName('rel-registry-cold'),
      topics: [topic],
      handlers: { 'reliability.step': () => {} },
    });
    const coldSubscriberError = await coldSubscriber.start().then(
      () => undefined,
      (error: unknown) => error,
    );
    await coldSubscriber.stop().catch(() => {});
    notes.push(
      `cold publisher: ${isKbusError(coldError) ? `${coldError.code} after ${coldMs} ms: ${coldError.message}` : 'started (unexpected)'}`,
      `cold subscriber: ${isKbusError(coldSubscriberError) ? coldSubscriberError.code : 'started (unexpected)'}`,
    );
    checks.push(
      {
        name: 'warmed publisher kept publishing',
        ok: during.failures.length === 0 && during.acks.length === during.attempted,
      },
      { name: 'warmed subscriber kept handling (committed to the end)', ok: atEnd && allHandled },
      {
        name: 'cold publisher fails with REGISTRY_UNAVAILABLE (retriable) in bounded time',
        ok: isKbusError(coldError, 'REGISTRY_UNAVAILABLE') && coldError.retriable && coldMs < 30_000,
      },
      {
        name: 'cold subscriber fails to start with REGISTRY_UNAVAILABLE',
        ok: isKbusError(coldSubscriberError, 'REGISTRY_UNAVAILABLE'),
      },
    );
    return {
      id: 'registry-outage',
      title: '6. Registry outage',
      description:
        'The schema registry is frozen (SIGSTOP) while a warmed publisher and subscriber run; then a cold publisher and subscriber try to start.',
      published: during.attempted,
      acknowledged: during.acks.length,
      handled: during.acks.filter((a) => handled.has(a.eventId)).length,
      lost: during.acks.filter((a) => !handled.has(a.eventId)).length,
      duplicatedInLog: 0,
      duplicatesHandled: undefined,
      outOfOrder: 0,
      errorsToCallers: during.failures.length,
      errorCodes: countBy(during.failures, (f) => f.code),
      recoveryMs: [],
      durationMs: now() - started,
      notes,
      checks,
    };
  } finally {
    signalProcess('schema-registry', 'SIGCONT');
  }
}
