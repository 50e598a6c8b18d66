import { type AnyTopicDefinition, createSerde, defineEvent, defineTopic } from '@kbus/core';
import type { Publisher } from '@kbus/publisher';
import { readTopic, testStack, uniqueName, waitFor, waitForGroupAtEnd } from '@kbus/testkit';
import { restartProcess, signalProcess, stackProcesses, waitForBrokers } from '@kbus/testkit/stack';
import { Kafka, logLevel } from 'kafkajs';
import * as z from 'zod';
import { countBy } from './result.ts';

/** The event every scenario publishes: one step of one aggregate. */
export const Step = defineEvent({
  type: 'reliability.step',
  version: 1,
  namespace: 'com.example.reliability',
  schema: z.object({ key: z.string(), seq: z.int(), email: z.email() }),
  aggregateId: (p) => p.key,
});

export function scenarioTopic(prefix: string, partitions: number) {
  return defineTopic({
    name: uniqueName(`rel-${prefix}`),
    events: [Step],
    partitions,
    replicationFactor: 3,
    config: { 'min.insync.replicas': '2' },
  });
}

export type StepTopic = ReturnType<typeof scenarioTopic>;

export const now = () => Date.now();

/**
 * The producer settings every scenario's publisher uses: the client library that sends
 * (`--producer-client`, default kafkajs), so the same faults test each.
 */
export function producerSettings(): { producer?: { client: 'kafkajs' | 'platformatic' } } {
  const client = process.env.KBUS_RELIABILITY_PRODUCER_CLIENT;
  if (client === undefined || client === '') return {};
  if (client !== 'kafkajs' && client !== 'platformatic') {
    throw new Error(`--producer-client must be kafkajs or platformatic, not ${client}`);
  }
  return { producer: { client } };
}

/** A line on stderr about where a scenario is. */
export function step(text: string): void {
  process.stderr.write(`[reliability]   ${new Date().toISOString().slice(11, 19)} ${text}\n`);
}

function admin() {
  return new Kafka({ clientId: 'reliability', brokers: [...testStack().brokers], logLevel: logLevel.NOTHING }).admin();
}

/** Partition → leader node of a topic. */
export async function leaders(topic: string): Promise<Map<number, number>> {
  const a = admin();
  await a.connect();
  try {
    const { topics } = await a.fetchTopicMetadata({ topics: [topic] });
    return new Map((topics[0]?.partitions ?? []).map((p) => [p.partitionId, p.leader]));
  } finally {
    await a.disconnect();
  }
}

/** The node leading most partitions of a topic (excluding some). */
export async function busiestLeader(
  topic: string,
  exclude: readonly number[] = [],
): Promise<{ node: number; partitions: number[] }> {
  const byNode = new Map<number, number[]>();
  for (const [partition, node] of await leaders(topic)) {
    if (exclude.includes(node) || node < 0) continue;
    byNode.set(node, [...(byNode.get(node) ?? []), partition]);
  }
  const [node, partitions] = [...byNode].sort((a, b) => b[1].length - a[1].length)[0] ?? [1, []];
  return { node, partitions };
}

export function killBroker(node: number): void {
  signalProcess(`kafka-${node}`, 'SIGKILL');
}

/** Restarts a killed broker and waits until the cluster lists all three again. */
export async function restartBroker(node: number): Promise<void> {
  await waitFor(() => !stackProcesses().find((p) => p.name === `kafka-${node}`)?.alive, {
    timeoutMs: 10_000,
    description: `kafka-${node} to be gone`,
  });
  await restartProcess(`kafka-${node}`);
  await waitForBrokers([...testStack().brokers], 120_000);
}

/** Restarts every broker of the stack that is not running (after a scenario, whatever happened). */
export async function reviveBrokers(): Promise<void> {
  for (const p of stackProcesses()) {
    if (p.name.startsWith('kafka-') && !p.alive) await restartProcess(p.name);
  }
  await waitForBrokers([...testStack().brokers], 120_000);
}

/** Waits until every partition of the topics has all three replicas in sync again. */
export async function waitFullIsr(topics: readonly string[], timeoutMs = 120_000): Promise<void> {
  const a = admin();
  await a.connect();
  try {
    await waitFor(
      async () => {
        const { topics: metadata } = await a.fetchTopicMetadata({ topics: [...topics] });
        return metadata.every((t) => t.partitions.every((p) => p.isr.length === 3));
      },
      { timeoutMs, intervalMs: 500, description: `full ISR on ${topics.join(', ')}` },
    );
  } finally {
    await a.disconnect();
  }
}

export interface Ack {
  readonly key: string;
  readonly seq: number;
  readonly eventId: string;
  readonly partition: number;
  /** When publish() was called and when it resolved. */
  readonly startedAt: number;
  readonly at: number;
}

export interface Failure {
  readonly key: string;
  readonly seq: number;
  readonly code: string;
  readonly retriable: boolean;
  readonly message: string;
  readonly at: number;
  /** How long the caller waited for this answer. */
  readonly waitedMs: number;
}

/** Prints the workload's progress every 5 s to stderr until stopped. */
export function progress(label: string, workload: Workload, extra: () => string = () => ''): () => void {
  const timer = setInterval(() => {
    const last = workload.failures.at(-1);
    process.stderr.write(
      `[reliability] ${label}: ${workload.acks.length} acknowledged, ${workload.failures.length} failed` +
        `${last ? ` (last: ${last.code} ${last.message.slice(0, 120)})` : ''} ${extra()}\n`,
    );
  }, 5_000);
  return () => clearInterval(timer);
}

export interface Workload {
  readonly acks: Ack[];
  readonly failures: Failure[];
  attempted: number;
  /** Resolves when every key finished its steps. */
  readonly done: Promise<void>;
  /** Resolves once `count` publishes were acknowledged. */
  acked(count: number, timeoutMs?: number): Promise<void>;
}

/**
 * Publishes `perKey` steps for each key, each key strictly one after another (so the
 * publish order per aggregate is defined), all keys concurrently, at most `ratePerSecond`
 * in all when given (so that faults land in the middle of a steady stream). Never
 * re-publishes a failed step: a failure is reported to the caller as it is.
 */
export function publishSteps(
  publisher: Publisher<readonly [StepTopic]>,
  keys: readonly string[],
  perKey: number,
  ratePerSecond?: number,
  /**
   * Each key goes on past `perKey` (up to 4 times as many) while this says so: a scenario
   * whose faults must happen under traffic keeps the load running until they did.
   */
  extend?: () => boolean,
): Workload {
  // Each key publishes at its share of the rate: one step per `spacing` ms at most.
  const spacing = ratePerSecond ? (keys.length * 1000) / ratePerSecond : 0;
  const acks: Ack[] = [];
  const failures: Failure[] = [];
  const workload = {
    acks,
    failures,
    attempted: 0,
    done: Promise.resolve(),
    acked: (count: number, timeoutMs = 300_000) =>
      waitFor(() => acks.length >= count, {
        timeoutMs,
        intervalMs: 20,
        description: `${count} acknowledged publishes`,
      }).then(() => {}),
  };
  workload.done = Promise.all(
    keys.map(async (key) => {
      for (let seq = 0; seq < perKey || (extend?.() === true && seq < perKey * 4); seq++) {
        workload.attempted++;
        const started = now();
        const paced = spacing > 0 ? new Promise((resolve) => setTimeout(resolve, spacing)) : undefined;
        try {
          const result = await publisher.publish(Step, { key, seq, email: `${key}@example.com` });
          acks.push({ key, seq, eventId: result.eventId, partition: result.partition, startedAt: started, at: now() });
        } catch (error) {
          const e = error as { code?: string; retriable?: boolean; message?: string };
          failures.push({
            key,
            seq,
            code: e.code ?? 'UNKNOWN',
            retriable: e.retriable === true,
            message: e.message ?? String(error),
            at: now(),
            waitedMs: now() - started,
          });
        }
        // The pace of the load generator (it waits for nothing).
        if (paced) await paced;
      }
    }),
  ).then(() => {});
  return workload;
}

export interface LogEntry {
  readonly partition: number;
  readonly offset: string;
  readonly eventId: string;
  readonly key: string;
  readonly seq: number;
}

/** Reads the whole topic with an independent consumer and decodes every record. */
export async function readSteps(topic: AnyTopicDefinition, minRecords = 0): Promise<LogEntry[]> {
  const serde = createSerde({ registry: { url: testStack().registryUrl } });
  const entries: LogEntry[] = [];
  for (const record of await readTopic(topic.name, { minRecords, timeoutMs: 180_000 })) {
    const { envelope } = await serde.decode(topic, record.value);
    const { key, seq } = envelope.payload as { key: string; seq: number };
    entries.push({ partition: record.partition, offset: record.offset, eventId: envelope.id, key, seq });
  }
  return entries;
}

export interface LogAnalysis {
  /** Acknowledged but absent from the log. */
  readonly lost: number;
  /** Event ids present more than once in the log. */
  readonly duplicated: number;
  /** Keys whose steps in the log are not in publish order. */
  readonly outOfOrder: number;
  /** Present in the log although the caller got an error (an ambiguous outcome, allowed). */
  readonly failedButWritten: number;
}

/** The log checks: every acknowledged event present exactly once, per-key publish order kept. */
export function analyzeLog(acks: readonly Ack[], failures: readonly Failure[], log: readonly LogEntry[]): LogAnalysis {
  const counts = new Map<string, number>();
  for (const entry of log) counts.set(entry.eventId, (counts.get(entry.eventId) ?? 0) + 1);
  const lost = acks.filter((a) => !counts.has(a.eventId)).length;
  const duplicated = [...counts.values()].filter((n) => n > 1).length;
  const byKey = new Map<string, number[]>();
  for (const entry of [...log].sort(
    (a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)),
  )) {
    byKey.set(entry.key, [...(byKey.get(entry.key) ?? []), entry.seq]);
  }
  let outOfOrder = 0;
  for (const seqs of byKey.values()) if (seqs.some((s, i) => i > 0 && s <= (seqs[i - 1] as number))) outOfOrder++;
  const written = new Set(log.map((e) => `${e.key}#${e.seq}`));
  const failedButWritten = failures.filter((f) => written.has(`${f.key}#${f.seq}`)).length;
  return { lost, duplicated, outOfOrder, failedButWritten };
}

export interface Handled {
  readonly eventId: string;
  readonly key: string;
  readonly seq: number;
  readonly at: number;
  readonly pid?: number;
}

/** True once the group committed to the end of the topic (bounded), false if it did not. */
export function groupReachesEnd(groupId: string, topic: string, timeoutMs = 180_000): Promise<boolean> {
  return waitForGroupAtEnd(groupId, topic, { timeoutMs }).then(
    () => true,
    () => false,
  );
}

export interface HandlingAnalysis {
  /** Events in the log never handled. */
  readonly unhandled: number;
  /** Handlings beyond the first (redeliveries). */
  readonly duplicatesHandled: number;
  /** Keys whose first handlings are not in log order. */
  readonly outOfOrder: number;
}

/** The consumer checks: everything in the log handled at least once, in order per key. */
export function analyzeHandling(log: readonly LogEntry[], handled: readonly Handled[]): HandlingAnalysis {
  const firstSeen = new Set<string>();
  const order = new Map<string, number[]>();
  for (const h of [...handled].sort((a, b) => a.at - b.at)) {
    if (firstSeen.has(h.eventId)) continue;
    firstSeen.add(h.eventId);
    order.set(h.key, [...(order.get(h.key) ?? []), h.seq]);
  }
  const unhandled = new Set(log.map((e) => e.eventId).filter((id) => !firstSeen.has(id))).size;
  let outOfOrder = 0;
  for (const seqs of order.values()) if (seqs.some((s, i) => i > 0 && s <= (seqs[i - 1] as number))) outOfOrder++;
  return { unhandled, duplicatesHandled: handled.length - firstSeen.size, outOfOrder };
}

/** The traffic figures of a scenario that publishes a workload and consumes it in a group. */
export function trafficFigures(
  workload: Workload,
  logCheck: LogAnalysis,
  handled: readonly Handled[],
  handling: HandlingAnalysis,
) {
  return {
    published: workload.attempted,
    acknowledged: workload.acks.length,
    handled: handled.length,
    lost: logCheck.lost,
    duplicatedInLog: logCheck.duplicated,
    duplicatesHandled: handling.duplicatesHandled,
    outOfOrder: logCheck.outOfOrder + handling.outOfOrder,
    errorsToCallers: workload.failures.length,
    errorCodes: countBy(workload.failures, (f) => f.code),
  };
}
