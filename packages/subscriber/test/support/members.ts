import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ChildMembers } from '@kbus/testkit';

const memberScript = fileURLToPath(new URL('./member.ts', import.meta.url));

export interface LogEntry {
  readonly pid: number;
  readonly at: number;
  readonly type: 'handled' | 'hanging' | 'commit' | 'joined' | 'stopped';
  readonly key?: string;
  readonly seq?: number;
  readonly partition?: number;
  readonly offset?: string;
  readonly offsets?: ReadonlyArray<{ topic: string; partition: number; offset: string }>;
  readonly assignment?: Readonly<Record<string, readonly number[]>>;
}

/** Group members in child processes (./member.ts), each logging to its own file. */
export class Members extends ChildMembers<LogEntry> {
  constructor(topic: string, groupId: string) {
    super({ script: memberScript, env: { MEMBER_TOPIC: topic, MEMBER_GROUP: groupId } });
  }

  handled(): LogEntry[] {
    return this.entries().filter((e) => e.type === 'handled');
  }

  /** Kills a member with SIGKILL and waits for it to be gone. */
  kill(child: ChildProcess): Promise<void> {
    return this.stop(child, 'SIGKILL');
  }

  /** Asks a member to stop gracefully (SIGTERM) and waits for it to exit. */
  terminate(child: ChildProcess): Promise<void> {
    return this.stop(child, 'SIGTERM');
  }
}

/**
 * Per key, the order in which seqs were first handled, across members (sorted by time;
 * one member's lines keep their file order). Redeliveries after a crash or rebalance repeat
 * earlier seqs; only the first handling of each counts for the order check.
 */
export function firstHandlingOrder(entries: readonly LogEntry[]): Map<string, number[]> {
  const indexed = entries.map((entry, index) => ({ entry, index }));
  indexed.sort((a, b) => a.entry.at - b.entry.at || (a.entry.pid === b.entry.pid ? a.index - b.index : 0));
  const seen = new Set<string>();
  const order = new Map<string, number[]>();
  for (const { entry } of indexed) {
    if (entry.type !== 'handled' || entry.key === undefined || entry.seq === undefined) continue;
    const id = `${entry.key}#${entry.seq}`;
    if (seen.has(id)) continue;
    seen.add(id);
    order.set(entry.key, [...(order.get(entry.key) ?? []), entry.seq]);
  }
  return order;
}
