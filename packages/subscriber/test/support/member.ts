/**
 * One consumer-group member in its own process, for the crash and rebalance tests. It logs
 * every handled record (and every commit) as a JSON line with appendFileSync, so the log
 * survives SIGKILL. Configured by environment:
 *   MEMBER_TOPIC, MEMBER_GROUP, MEMBER_LOG, KAFKA_BROKERS, SCHEMA_REGISTRY_URL
 *   MEMBER_MODE      normal | crash-after-handle | hang
 *   MEMBER_TARGET    seq (of key MEMBER_TARGET_KEY) at which to crash or hang
 *   MEMBER_COMMIT_EVERY  commit after this many records (default 100)
 *   MEMBER_DELAY_MS  simulated work per record (default 0)
 */
import { appendFileSync } from 'node:fs';
import { type CommitMessage, channels, defineTopic } from '@kbus/core';
import { createSubscriber } from '../../src/index.ts';
import { Note, Tick } from '../fixtures.ts';

const env = process.env;
const log = env.MEMBER_LOG as string;
const mode = env.MEMBER_MODE ?? 'normal';
const target = Number(env.MEMBER_TARGET ?? -1);
const targetKey = env.MEMBER_TARGET_KEY ?? 'key-0';
const delayMs = Number(env.MEMBER_DELAY_MS ?? 0);
const write = (entry: Record<string, unknown>) =>
  appendFileSync(log, `${JSON.stringify({ pid: process.pid, at: Date.now(), ...entry })}\n`);

const topic = defineTopic({ name: env.MEMBER_TOPIC as string, events: [Tick, Note] });
const subscriber = createSubscriber({
  brokers: (env.KAFKA_BROKERS as string).split(','),
  registry: { url: env.SCHEMA_REGISTRY_URL as string },
  groupId: env.MEMBER_GROUP as string,
  topics: [topic],
  session: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000 },
  commit: { everyRecords: Number(env.MEMBER_COMMIT_EVERY ?? 100), intervalMs: 1_000 },
  shutdownTimeoutMs: 10_000,
  handlers: {
    'counter.ticked': async ({ payload }, context) => {
      const isTarget = payload.key === targetKey && payload.seq === target;
      if (isTarget && mode === 'hang') {
        write({
          type: 'hanging',
          key: payload.key,
          seq: payload.seq,
          partition: context.partition,
          offset: context.offset,
        });
        await new Promise(() => {});
      }
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      write({
        type: 'handled',
        key: payload.key,
        seq: payload.seq,
        partition: context.partition,
        offset: context.offset,
      });
      if (isTarget && mode === 'crash-after-handle') process.kill(process.pid, 'SIGKILL');
    },
  },
});

channels.commit.subscribe((message) => {
  const m = message as CommitMessage;
  if (m.error) return;
  write({ type: 'commit', offsets: m.offsets, assignment: subscriber.health().assignment });
});

subscriber.stopOnSignals(['SIGTERM']);
process.once('SIGTERM', () => {
  // stopOnSignals started the graceful stop; stop() is that same stop: exit once it is done.
  void subscriber.stop().finally(() => {
    write({ type: 'stopped' });
    process.exit(0);
  });
});

await subscriber.start();
write({ type: 'joined', assignment: subscriber.health().assignment });
process.send?.({ type: 'joined' });
