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
export class Committer {
  private readonly pending = new Map<string, OffsetToCommit>();
  private readonly committed = new Map<string, bigint>();
  private inFlight: Promise<void> | undefined;
  private readonly groupId: string;
  private readonly owns: (topic: string, partition: number) => boolean;
  lastError: unknown;
  commits = 0;

  constructor(groupId: string, owns: (topic: string, partition: number) => boolean) {
    this.groupId = groupId;
    this.owns = owns;
  }

  /** Records a new commit position for a partition. */
  mark(topic: string, partition: number, next: bigint): void {
    const key = `${topic}\u0000${partition}`;
    const done = this.committed.get(key);
    if (done !== undefined && next <= done) {
      this.pending.delete(key);
      return;
    }
    this.pending.set(key, { topic, partition, offset: next.toString() });
  }

  /** The last committed position this member knows for a partition. */
  committedPosition(topic: string, partition: number): bigint | undefined {
    return this.committed.get(`${topic}\u0000${partition}`);
  }

  /** Forgets a partition that was revoked. */
  forget(topic: string, partition: number): void {
    const key = `${topic}\u0000${partition}`;
    this.pending.delete(key);
    this.committed.delete(key);
  }

  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  /** Commits everything pending (waiting for a commit already in flight first). */
  async flush(commit: CommitFunction): Promise<void> {
    while (this.inFlight) await this.inFlight;
    if (this.pending.size === 0) return;
    this.inFlight = this.send(commit).finally(() => {
      this.inFlight = undefined;
    });
    await this.inFlight;
  }

  private async send(commit: CommitFunction): Promise<void> {
    const batch = [...this.pending.values()].filter((o) => this.owns(o.topic, o.partition));
    for (const [key, o] of this.pending) if (!this.owns(o.topic, o.partition)) this.pending.delete(key);
    if (batch.length === 0) return;
    const started = performance.now();
    try {
      await commit(batch);
      this.commits++;
      for (const o of batch) {
        const key = `${o.topic}\u0000${o.partition}`;
        this.committed.set(key, BigInt(o.offset));
        if (this.pending.get(key)?.offset === o.offset) this.pending.delete(key);
      }
      publish({ groupId: this.groupId, offsets: batch, durationMs: performance.now() - started });
    } catch (error) {
      this.lastError = error;
      const lost = isKbusError(error, 'PARTITION_REVOKED');
      if (lost) {
        for (const o of batch) {
          const key = `${o.topic}\u0000${o.partition}`;
          if (this.pending.get(key)?.offset === o.offset) this.pending.delete(key);
        }
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
