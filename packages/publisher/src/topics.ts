import { type AnyTopicDefinition, KbusError } from '@kbus/core';
import type { Admin } from '@kbus/transport';

export interface TopicReport {
  readonly topic: string;
  /** `created`, `ok` (exists as declared) or `mismatch`. */
  readonly status: 'created' | 'ok' | 'mismatch';
  /** What differs from the declaration, one sentence each. */
  readonly mismatches: readonly string[];
}

export interface EnsureTopicsOptions {
  /** `throw` (default): a TOPIC_MISMATCH error lists every difference; `report`: return them. */
  readonly onMismatch?: 'throw' | 'report';
}

/**
 * Creates the declared topics that do not exist (partitions, replication factor, configs;
 * waiting for leaders) and checks the ones that do against their declaration.
 */
export async function ensureTopics(
  admin: Admin,
  topics: readonly AnyTopicDefinition[],
  options: EnsureTopicsOptions = {},
): Promise<TopicReport[]> {
  const existing = new Set(await admin.listTopics());
  const reports: TopicReport[] = [];
  const toCreate = topics.filter((t) => !existing.has(t.name));
  for (const topic of toCreate) {
    if (topic.partitions === undefined) {
      throw new KbusError(
        'INVALID_CONFIGURATION',
        `ensureTopics: "${topic.name}" does not exist and declares no partition count; add partitions: N to defineTopic`,
      );
    }
  }
  if (toCreate.length > 0) {
    await admin.createTopics(
      toCreate.map((t) => ({
        name: t.name,
        partitions: t.partitions as number,
        ...(t.replicationFactor === undefined ? {} : { replicationFactor: t.replicationFactor }),
        ...(t.config === undefined ? {} : { config: t.config }),
      })),
    );
    for (const t of toCreate) reports.push({ topic: t.name, status: 'created', mismatches: [] });
  }
  const toVerify = topics.filter((t) => existing.has(t.name));
  if (toVerify.length > 0) {
    const metadata = await admin.topics(toVerify.map((t) => t.name));
    for (const topic of toVerify) {
      const info = metadata.find((m) => m.name === topic.name);
      const mismatches: string[] = [];
      const partitions = info?.partitions.length ?? 0;
      if (topic.partitions !== undefined && partitions !== topic.partitions) {
        mismatches.push(`has ${partitions} partitions, declared ${topic.partitions}`);
      }
      const replicas = info?.partitions[0]?.replicas.length;
      if (topic.replicationFactor !== undefined && replicas !== topic.replicationFactor) {
        mismatches.push(`has replication factor ${replicas}, declared ${topic.replicationFactor}`);
      }
      const keys = Object.keys(topic.config ?? {});
      if (keys.length > 0) {
        const actual = await admin.topicConfig(topic.name, keys);
        for (const key of keys) {
          if (actual[key] !== topic.config?.[key])
            mismatches.push(`has ${key}=${actual[key]}, declared ${topic.config?.[key]}`);
        }
      }
      reports.push({ topic: topic.name, status: mismatches.length === 0 ? 'ok' : 'mismatch', mismatches });
    }
  }
  const mismatched = reports.filter((r) => r.status === 'mismatch');
  if (mismatched.length > 0 && (options.onMismatch ?? 'throw') === 'throw') {
    throw new KbusError(
      'TOPIC_MISMATCH',
      `existing topics differ from their declaration: ${mismatched.map((r) => `${r.topic} ${r.mismatches.join(', ')}`).join('; ')}. ` +
        'Change the topic (kafka-topics --alter / kafka-configs) or the declaration.',
      { details: { reports: mismatched } },
    );
  }
  return reports;
}
