import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testStack, waitFor } from '@kbus/testkit';

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

/** Group members in child processes, each logging to its own file. */
export class Members implements AsyncDisposable {
  private readonly dir = mkdtempSync(join(tmpdir(), 'kbus-members-'));
  private readonly children: ChildProcess[] = [];
  private count = 0;
  private readonly topic: string;
  private readonly groupId: string;

  constructor(topic: string, groupId: string) {
    this.topic = topic;
    this.groupId = groupId;
  }

  /** Starts a member and resolves once it joined the group. */
  async start(extraEnv: Record<string, string> = {}): Promise<ChildProcess> {
    const stack = testStack();
    const log = join(this.dir, `member-${this.count++}.log`);
    const child = fork(memberScript, [], {
      execArgv: ['--conditions=source', '--no-warnings'],
      env: {
        ...process.env,
        KAFKA_BROKERS: stack.brokers.join(','),
        SCHEMA_REGISTRY_URL: stack.registryUrl,
        MEMBER_TOPIC: this.topic,
        MEMBER_GROUP: this.groupId,
        MEMBER_LOG: log,
        ...extraEnv,
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.children.push(child);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('member did not join within 60 s')), 60_000);
      child.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`member exited before joining (${code ?? signal})`));
      });
    });
    return child;
  }

  /** Every log line of every member, in the order they were written per member, members concatenated. */
  entries(): LogEntry[] {
    const all: LogEntry[] = [];
    for (let i = 0; i < this.count; i++) {
      const file = join(this.dir, `member-${i}.log`);
      if (!existsSync(file)) continue;
      for (const line of readFileSync(file, 'utf8').split('\n')) if (line) all.push(JSON.parse(line) as LogEntry);
    }
    return all;
  }

  handled(): LogEntry[] {
    return this.entries().filter((e) => e.type === 'handled');
  }

  /** Kills a member with SIGKILL and waits for it to be gone. */
  async kill(child: ChildProcess): Promise<void> {
    await this.signal(child, 'SIGKILL');
  }

  /** Asks a member to stop gracefully (SIGTERM) and waits for it to exit. */
  async terminate(child: ChildProcess): Promise<void> {
    await this.signal(child, 'SIGTERM');
  }

  private async signal(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  /** Waits (bounded) until a member exits by itself. */
  async exited(child: ChildProcess, timeoutMs = 60_000): Promise<void> {
    await waitFor(() => child.exitCode !== null || child.signalCode !== null, {
      timeoutMs,
      description: 'the member to exit',
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all(this.children.map((c) => this.kill(c)));
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
