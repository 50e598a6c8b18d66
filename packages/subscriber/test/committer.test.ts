import { KbusError } from '@kbus/core';
import type { OffsetToCommit } from '@kbus/transport';
import { describe, expect, it } from 'vitest';
import { Committer } from '../src/committer.ts';

/**
 * The committer's bookkeeping (which position goes out, when, and what a refusal does) with
 * a commit function the test answers itself. Commits against a real group coordinator are
 * covered by the subscriber's integration tests.
 */
function recorder() {
  const calls: OffsetToCommit[][] = [];
  let answer: () => Promise<void> = async () => {};
  return {
    calls,
    answerWith(next: () => Promise<void>) {
      answer = next;
    },
    commit: (offsets: readonly OffsetToCommit[]) => {
      calls.push([...offsets]);
      return answer();
    },
  };
}

describe('Committer', () => {
  it('commits the offset after the last finished record of each partition, once', async () => {
    const committer = new Committer('g', () => true);
    const a = committer.position('t', 0);
    const b = committer.position('t', 1);
    committer.mark(a, '4');
    committer.mark(a, '9');
    committer.mark(b, '41');
    const commits = recorder();
    await committer.flush(commits.commit);
    expect(commits.calls).toEqual([
      [
        { topic: 't', partition: 0, offset: '10' },
        { topic: 't', partition: 1, offset: '42' },
      ],
    ]);
    expect(committer.committedPosition('t', 0)).toBe(10n);
    // Nothing new finished: nothing is sent.
    await committer.flush(commits.commit);
    expect(commits.calls).toHaveLength(1);
    committer.mark(b, '42');
    await committer.flush(commits.commit);
    expect(commits.calls[1]).toEqual([{ topic: 't', partition: 1, offset: '43' }]);
  });

  it('never commits a position at or behind the one it committed', async () => {
    const committer = new Committer('g', () => true);
    const a = committer.position('t', 0);
    committer.mark(a, '9');
    const commits = recorder();
    await committer.flush(commits.commit);
    // A record fetched again after a rebalance finishes a second time.
    committer.mark(a, '7');
    await committer.flush(commits.commit);
    expect(commits.calls).toHaveLength(1);
  });

  it('keeps records finished while a commit travels for the next commit', async () => {
    const committer = new Committer('g', () => true);
    const a = committer.position('t', 0);
    committer.mark(a, '1');
    const commits = recorder();
    let release: () => void = () => {};
    commits.answerWith(
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    );
    const first = committer.flush(commits.commit);
    committer.mark(a, '5');
    release();
    await first;
    commits.answerWith(async () => {});
    await committer.flush(commits.commit);
    expect(commits.calls.map((c) => c[0]?.offset)).toEqual(['2', '6']);
  });

  it('drops the positions of partitions it no longer owns, and those a commit was refused for as revoked', async () => {
    let owned = new Set([0, 1]);
    const committer = new Committer('g', (_topic, partition) => owned.has(partition));
    const a = committer.position('t', 0);
    const b = committer.position('t', 1);
    committer.mark(a, '3');
    committer.mark(b, '3');
    owned = new Set([0]);
    const commits = recorder();
    commits.answerWith(async () => {
      throw new KbusError('PARTITION_REVOKED', 'the group rebalanced');
    });
    await committer.flush(commits.commit);
    expect(commits.calls).toEqual([[{ topic: 't', partition: 0, offset: '4' }]]);
    expect(committer.committedPosition('t', 0)).toBeUndefined();
    commits.answerWith(async () => {});
    await committer.flush(commits.commit);
    expect(commits.calls).toHaveLength(1);
  });

  it('keeps the position after a failure that is not about ownership, and sends it again', async () => {
    const committer = new Committer('g', () => true);
    const a = committer.position('t', 0);
    committer.mark(a, '3');
    const commits = recorder();
    commits.answerWith(async () => {
      throw new KbusError('KAFKA_ERROR', 'the coordinator is loading', { retriable: true });
    });
    await committer.flush(commits.commit);
    commits.answerWith(async () => {});
    await committer.flush(commits.commit);
    expect(commits.calls.map((c) => c[0]?.offset)).toEqual(['4', '4']);
    expect(committer.committedPosition('t', 0)).toBe(4n);
  });
});
