import { type CommitMessage, channels, isKbusError } from '@kbus/core';
import type { OffsetToCommit } from '@kbus/transport';

export type CommitFunction = (offsets: readonly OffsetToCommit[]) => Promise<void>;

/**
 * Collects each partition's commit position (the offset after its last finished record)
 * and sends them together, one request at a time. It only ever commits positions it was
 * given (which never pass an unfinished record) for partitions `owns` still approves. A
 * refusal because the group moved on drops those positions: the partitions are no longer
 * ours, and retrying would be wrong.
 */
/** A partition's commit state; one object per partition, updated in place. */
export interface PartitionPosition {
  readonly key: string;
  readonly topic: string;
  readonly partition: number;
  /**
   * The offset of the last record finished since the position was last computed, as the
   * client gave it: turned into a number only when a commit is made, not once per record.
   */
  finished: string | undefined;
  /** The next offset to commit, if it moved past the committed one. */
  next: bigint | undefined;
  /** The offset last committed by this member. */
  committed: bigint | undefined;
}

export class Committer {
  private readonly positions = new Map<string, PartitionPosition>();
  private inFlight: Promise<void> | undefined;
  private readonly groupId: string;
  private readonly owns: (topic: string, partition: number) => boolean;
  lastError: unknown;
  commits = 0;

  constructor(groupId: string, owns: (topic: string, partition: number) => boolean) {
    this.groupId = groupId;
    this.owns = owns;
  }

  /** The position object of a partition (created on first use). */
  position(topic: string, partition: number): PartitionPosition {
    const key = `${topic}\u0000${partition}`;
    let position = this.positions.get(key);
    if (!position) {
      position = { key, topic, partition, finished: undefined, next: undefined, committed: undefined };
      this.positions.set(key, position);
    }
    return position;
  }

  /**
   * Records that the record at `offset` finished and every record before it in the
   * partition too (cheap: called once per record).
   */
  mark(position: PartitionPosition, offset: string): void {
    position.finished = offset;
  }

  /** The position to commit for a partition, if it moved past the committed one. */
  private pending(position: PartitionPosition): bigint | undefined {
    if (position.finished !== undefined) {
      const next = BigInt(position.finished) + 1n;
      position.finished = undefined;
      position.next = position.committed !== undefined && next <= position.committed ? undefined : next;
    }
    return position.next;
  }

  /** The last committed position this member knows for a partition. */
  committedPosition(topic: string, partition: number): bigint | undefined {
    return this.positions.get(`${topic}\u0000${partition}`)?.committed;
  }

  /** Forgets a partition that was revoked. */
  forget(topic: string, partition: number): void {
    this.positions.delete(`${topic}\u0000${partition}`);
  }

  /** Commits everything pending (waiting for a commit already in flight first). */
  async flush(commit: CommitFunction): Promise<void> {
    while (this.inFlight) await this.inFlight;
    if (![...this.positions.values()].some((p) => this.pending(p) !== undefined)) return;
    this.inFlight = this.send(commit).finally(() => {
      this.inFlight = undefined;
    });
    await this.inFlight;
  }

  private async send(commit: CommitFunction): Promise<void> {
    const sending: Array<{ position: PartitionPosition; next: bigint }> = [];
    for (const position of this.positions.values()) {
      const next = this.pending(position);
      if (next === undefined) continue;
      if (this.owns(position.topic, position.partition)) sending.push({ position, next });
      else position.next = undefined;
    }
    if (sending.length === 0) return;
    const batch: OffsetToCommit[] = sending.map(({ position, next }) => ({
      topic: position.topic,
      partition: position.partition,
      offset: next.toString(),
    }));
    const started = performance.now();
    try {
      await commit(batch);
      this.commits++;
      for (const { position, next } of sending) {
        position.committed = next;
        if (position.next === next) position.next = undefined;
      }
      publish({ groupId: this.groupId, offsets: batch, durationMs: performance.now() - started });
    } catch (error) {
      this.lastError = error;
      const lost = isKbusError(error, 'PARTITION_REVOKED');
      if (lost) {
        for (const { position, next } of sending) if (position.next === next) position.next = undefined;
      }
      // Other failures (coordinator moving, timeouts) keep the positions for the next flush.
      publish({
        groupId: this.groupId,
        offsets: batch,
        durationMs: performance.now() - started,
        ownershipLost: lost,
        error,
      });
    }
  }
}

function publish(message: CommitMessage): void {
  if (channels.commit.hasSubscribers) channels.commit.publish(message);
}
