import { type AnyTopicDefinition, KbusError } from '@kbus/core';
import { type Admin, createKafkaClient, type KafkaClient } from '@kbus/transport';
import type { StartFrom } from './options.ts';

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** Next offset the group will read ('-1': nothing committed yet). */
  readonly committed: string;
  /** The partition's end (high watermark). */
  readonly end: string;
  /** Records not yet handled and committed. */
  readonly lag: number;
}

export async function partitionLag(
  admin: Admin,
  groupId: string,
  topics: ReadonlyArray<Pick<AnyTopicDefinition, 'name'>>,
): Promise<PartitionLag[]> {
  const result: PartitionLag[] = [];
  for (const topic of topics) {
    const [ends, committed] = await Promise.all([
      admin.watermarks(topic.name),
      admin.committedOffsets(groupId, topic.name),
    ]);
    for (const end of ends) {
      const offset = committed.find((c) => c.partition === end.partition)?.offset ?? '-1';
      const from = offset === '-1' ? BigInt(end.low) : BigInt(offset);
      result.push({
        topic: topic.name,
        partition: end.partition,
        committed: offset,
        end: end.high,
        lag: Number(BigInt(end.high) - from),
      });
    }
  }
  return result;
}

async function offsetsFor(admin: Admin, topic: string, to: 'earliest' | 'latest' | { timestamp: Date | number }) {
  if (typeof to === 'object') return admin.offsetsAtTime(topic, new Date(to.timestamp).getTime());
  const marks = await admin.watermarks(topic);
  return marks.map((m) => ({ partition: m.partition, offset: to === 'earliest' ? m.low : m.high }));
}

/**
 * For a group that has never committed on a topic, sets its start offsets when it should
 * start at a point in time (earliest/latest are the consumer's own reset policy).
 */
export async function prepareStartOffsets(
  admin: Admin,
  groupId: string,
  topics: readonly AnyTopicDefinition[],
  startFrom: StartFrom,
): Promise<void> {
  if (typeof startFrom !== 'object') return;
  for (const topic of topics) {
    const committed = await admin.committedOffsets(groupId, topic.name);
    if (committed.some((c) => c.offset !== '-1')) continue;
    await admin.setGroupOffsets(groupId, topic.name, await offsetsFor(admin, topic.name, startFrom));
  }
}

export interface ResetOffsetsOptions {
  readonly groupId: string;
  readonly topics: ReadonlyArray<AnyTopicDefinition | string>;
  /** Where to move the group: the start of the retained log, the end, or the first event at or after a time. */
  readonly to: 'earliest' | 'latest' | { readonly timestamp: Date | number };
  readonly brokers?: readonly string[];
  readonly kafka?: KafkaClient;
  /** Work out (and check) the new offsets without setting them. */
  readonly dryRun?: boolean;
}

/**
 * Moves a consumer group's committed offsets (replay from the start or from a time, or skip
 * to the end). Refuses with GROUP_ACTIVE while the group has members: stop them first.
 *
 * @example
 * await resetOffsets({ brokers, groupId: 'audit', topics: [UserAccountTopic], to: { timestamp: new Date('2026-01-01') } });
 */
export async function resetOffsets(
  options: ResetOffsetsOptions,
): Promise<Array<{ topic: string; partition: number; offset: string }>> {
  const kafka = options.kafka ?? createKafkaClient({ brokers: options.brokers ?? [], clientId: 'kbus-reset-offsets' });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const group = await admin.describeGroup(options.groupId);
    if (group.members > 0 || !['Empty', 'Dead'].includes(group.state)) {
      throw new KbusError(
        'GROUP_ACTIVE',
        `group ${options.groupId} has ${group.members} active member(s) (state ${group.state}); stop its consumers before moving its offsets`,
        { details: { state: group.state, members: group.members } },
      );
    }
    const moved: Array<{ topic: string; partition: number; offset: string }> = [];
    for (const entry of options.topics) {
      const topic = typeof entry === 'string' ? entry : entry.name;
      const offsets = await offsetsFor(admin, topic, options.to);
      if (!options.dryRun) await admin.setGroupOffsets(options.groupId, topic, offsets);
      moved.push(...offsets.map((o) => ({ topic, ...o })));
    }
    return moved;
  } finally {
    await admin.disconnect();
  }
}
