import { setTimeout as sleep } from 'node:timers/promises';
import { KbusError } from '@kbus/core';
import type { Kafka, Admin as KafkaJsAdmin } from 'kafkajs';
import type { FailureContext } from '../errors.ts';
import type { Admin, ClientOptions } from '../types.ts';
import { connectFailure } from './config.ts';
import { fromClientError } from './errors.ts';

/**
 * Runs an admin request, retrying what the cluster calls retriable (a coordinator that is
 * still loading, a leader being elected) with back-off for up to ~15 s; then, or for other
 * errors, throws a KbusError.
 */
async function withRetries<T>(what: string, request: () => Promise<T>, context: FailureContext = {}): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      return await request();
    } catch (error) {
      const mapped = fromClientError(error, what, 'KAFKA_ERROR', context);
      if (!mapped.retriable || mapped.code === 'TOPIC_NOT_FOUND' || Date.now() + delay > deadline) throw mapped;
      await sleep(delay);
    }
  }
}

export class KafkaJsAdminAdapter implements Admin {
  private readonly admin: KafkaJsAdmin;
  private readonly client: ClientOptions;
  private readonly brokers: readonly string[];

  constructor(kafka: Kafka, client: ClientOptions) {
    this.admin = kafka.admin();
    this.client = client;
    this.brokers = client.brokers;
  }

  connect(): Promise<void> {
    return withRetries(
      'connecting the admin client',
      () =>
        this.admin.connect().catch((error: unknown) => {
          throw connectFailure(error, 'connecting the admin client', this.client);
        }),
      { brokers: this.brokers },
    );
  }

  disconnect(): Promise<void> {
    return this.admin.disconnect();
  }

  listTopics(): Promise<string[]> {
    return withRetries('listing topics', () => this.admin.listTopics(), { brokers: this.brokers });
  }

  async createTopics(topics: Parameters<Admin['createTopics']>[0]): Promise<boolean> {
    const names = topics.map((t) => t.name);
    const created = await withRetries(
      `creating topics ${names.join(', ')}`,
      () =>
        this.admin.createTopics({
          waitForLeaders: false,
          timeout: 30_000,
          topics: topics.map((t) => ({
            topic: t.name,
            numPartitions: t.partitions,
            ...(t.replicationFactor === undefined ? {} : { replicationFactor: t.replicationFactor }),
            configEntries: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value })),
          })),
        }),
      { topics: names, brokers: this.brokers },
    );
    // A new topic reaches every broker's metadata a moment later; it is usable once each
    // partition has a leader. (Polled here: kafkajs's own wait gives up on the first miss.)
    const deadline = Date.now() + 30_000;
    for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
      try {
        const { topics: metadata } = await this.admin.fetchTopicMetadata({ topics: names });
        if (
          metadata.length === names.length &&
          metadata.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))
        ) {
          return created;
        }
      } catch (error) {
        if (Date.now() > deadline)
          throw fromClientError(error, `waiting for the leaders of ${names.join(', ')}`, 'KAFKA_ERROR', {
            brokers: this.brokers,
          });
      }
      if (Date.now() > deadline) {
        throw new KbusError('TIMEOUT', `topics ${names.join(', ')} were created but have no leaders after 30 s`, {
          retriable: true,
        });
      }
      await sleep(delay);
    }
  }

  deleteTopics(names: readonly string[]): Promise<void> {
    return withRetries(
      `deleting topics ${names.join(', ')}`,
      () => this.admin.deleteTopics({ topics: [...names], timeout: 30_000 }),
      { brokers: this.brokers },
    );
  }

  async topics(names: readonly string[]): Promise<Awaited<ReturnType<Admin['topics']>>> {
    // Asking for the metadata of a missing topic would create it on clusters that allow
    // auto-creation; list first. A topic created a moment ago may not be listed by every
    // broker yet, so a missing one is looked for again for a few seconds.
    let missing: string[] = [];
    for (let attempt = 0, delay = 100; attempt < 6; attempt++, delay *= 2) {
      const existing = new Set(await this.listTopics());
      missing = names.filter((n) => !existing.has(n));
      if (missing.length === 0) break;
      if (attempt < 5) await sleep(delay);
    }
    if (missing.length > 0) {
      throw new KbusError('TOPIC_NOT_FOUND', `topic(s) ${missing.join(', ')} do not exist on the cluster`, {
        details: { topics: missing },
      });
    }
    const { topics } = await withRetries(
      `reading metadata of ${names.join(', ')}`,
      () => this.admin.fetchTopicMetadata({ topics: [...names] }),
      { brokers: this.brokers },
    );
    return topics.map((t) => ({
      name: t.name,
      partitions: t.partitions
        .map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr }))
        .sort((a, b) => a.partition - b.partition),
    }));
  }

  async topicConfig(name: string, keys: readonly string[]): Promise<Record<string, string | undefined>> {
    const { resources } = await withRetries(
      `reading the configuration of ${name}`,
      () =>
        this.admin.describeConfigs({
          includeSynonyms: false,
          resources: [{ type: 2 /* TOPIC */, name, configNames: [...keys] }],
        }),
      { brokers: this.brokers },
    );
    const entries = resources[0]?.configEntries ?? [];
    return Object.fromEntries(keys.map((k) => [k, entries.find((e) => e.configName === k)?.configValue]));
  }

  async watermarks(topic: string): Promise<Array<{ partition: number; low: string; high: string }>> {
    const offsets = await withRetries(`reading the offsets of ${topic}`, () => this.admin.fetchTopicOffsets(topic), {
      brokers: this.brokers,
    });
    return offsets
      .map((o) => ({ partition: o.partition, low: o.low, high: o.high }))
      .sort((a, b) => a.partition - b.partition);
  }

  async offsetsAtTime(topic: string, timestamp: number): Promise<Array<{ partition: number; offset: string }>> {
    const offsets = await withRetries(
      `reading the offsets of ${topic} at ${timestamp}`,
      () => this.admin.fetchTopicOffsetsByTimestamp(topic, timestamp),
      { brokers: this.brokers },
    );
    const high = await this.watermarks(topic);
    // kafkajs answers -1 where no record is at or after the timestamp: start at the end.
    return offsets
      .map((o) => ({
        partition: o.partition,
        offset: o.offset === '-1' ? (high.find((h) => h.partition === o.partition)?.high ?? '0') : o.offset,
      }))
      .sort((a, b) => a.partition - b.partition);
  }

  async committedOffsets(groupId: string, topic: string): Promise<Array<{ partition: number; offset: string }>> {
    const [result] = await withRetries(
      `reading the offsets of group ${groupId}`,
      () => this.admin.fetchOffsets({ groupId, topics: [topic] }),
      { brokers: this.brokers },
    );
    return (result?.partitions ?? [])
      .map((p) => ({ partition: p.partition, offset: p.offset }))
      .sort((a, b) => a.partition - b.partition);
  }

  setGroupOffsets(
    groupId: string,
    topic: string,
    offsets: ReadonlyArray<{ partition: number; offset: string }>,
  ): Promise<void> {
    return withRetries(
      `setting offsets of group ${groupId}`,
      () =>
        this.admin.setOffsets({
          groupId,
          topic,
          partitions: offsets.map((o) => ({ partition: o.partition, offset: o.offset })),
        }),
      { brokers: this.brokers },
    );
  }

  async describeGroup(groupId: string): Promise<{ groupId: string; state: string; members: number }> {
    const { groups } = await withRetries(`describing group ${groupId}`, () => this.admin.describeGroups([groupId]), {
      brokers: this.brokers,
    });
    const group = groups[0];
    return { groupId, state: group?.state ?? 'Dead', members: group?.members.length ?? 0 };
  }

  async listGroups(): Promise<string[]> {
    const { groups } = await withRetries('listing consumer groups', () => this.admin.listGroups(), {
      brokers: this.brokers,
    });
    return groups.map((g) => g.groupId).sort();
  }

  async groupOffsets(groupId: string): Promise<Array<{ topic: string; partition: number; offset: string }>> {
    const topics = await withRetries(
      `reading the offsets of group ${groupId}`,
      () => this.admin.fetchOffsets({ groupId }),
      {
        group: groupId,
        brokers: this.brokers,
      },
    );
    return topics
      .flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: p.offset })))
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  async deleteGroups(groupIds: readonly string[]): Promise<void> {
    if (groupIds.length === 0) return;
    await withRetries(`deleting groups ${groupIds.join(', ')}`, () => this.admin.deleteGroups([...groupIds]), {
      brokers: this.brokers,
    });
  }
}
