/**
 * A consumer-group member in its own process (scenarios that kill members). Logs every
 * handled step as a JSON line with appendFileSync, which survives SIGKILL.
 * Env: KAFKA_BROKERS, SCHEMA_REGISTRY_URL, MEMBER_TOPIC, MEMBER_GROUP, MEMBER_LOG, MEMBER_DELAY_MS.
 */
import { appendFileSync } from 'node:fs';
import { defineTopic } from '@kbus/core';
import { createSubscriber } from '@kbus/subscriber';
import { Step } from './harness.ts';

const env = process.env;
const delayMs = Number(env.MEMBER_DELAY_MS ?? 0);
const topic = defineTopic({ name: env.MEMBER_TOPIC as string, events: [Step] });
const subscriber = createSubscriber({
  brokers: (env.KAFKA_BROKERS as string).split(','),
  registry: { url: env.SCHEMA_REGISTRY_URL as string },
  groupId: env.MEMBER_GROUP as string,
  topics: [topic],
  session: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000 },
  shutdownTimeoutMs: 10_000,
  handlers: {
    'reliability.step': async (event) => {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      appendFileSync(
        env.MEMBER_LOG as string,
        `${JSON.stringify({ eventId: event.id, key: event.payload.key, seq: event.payload.seq, at: Date.now(), pid: process.pid })}\n`,
      );
    },
  },
});
subscriber.stopOnSignals(['SIGTERM']);
process.once('SIGTERM', () => {
  // stopOnSignals started the graceful stop; stop() is that same stop: exit once it is done.
  void subscriber.stop().finally(() => process.exit(0));
});
await subscriber.start();
process.send?.({ type: 'joined' });
