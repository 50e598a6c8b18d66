import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testStack } from './environment.ts';
import { waitFor } from './wait-for.ts';

export interface ChildMembersOptions {
  /** The member script (a Node module run with --conditions=source). */
  readonly script: string;
  /** Environment for every member, on top of this process's, the stack's and MEMBER_LOG. */
  readonly env?: Readonly<Record<string, string>>;
  /** How long a member may take to join its group (default 60 s). */
  readonly joinTimeoutMs?: number;
}

/**
 * Consumer-group members in child processes, for tests that kill them. Each member gets the
 * test stack (KAFKA_BROKERS, SCHEMA_REGISTRY_URL) and a log file of its own (MEMBER_LOG),
 * in which it writes one JSON object per line (appendFileSync survives SIGKILL), and sends
 * one IPC message once it joined its group.
 */
export class ChildMembers<Entry> implements AsyncDisposable {
  private readonly dir = mkdtempSync(join(tmpdir(), 'kbus-members-'));
  private readonly options: ChildMembersOptions;
  private started = 0;
  /** Members started and not yet exited. */
  readonly live = new Set<ChildProcess>();

  constructor(options: ChildMembersOptions) {
    this.options = options;
  }

  /** Starts a member and resolves once it joined the group. */
  async start(extraEnv: Readonly<Record<string, string>> = {}): Promise<ChildProcess> {
    const stack = testStack();
    const child = fork(this.options.script, [], {
      execArgv: ['--conditions=source', '--no-warnings'],
      env: {
        ...process.env,
        KAFKA_BROKERS: stack.brokers.join(','),
        SCHEMA_REGISTRY_URL: stack.registryUrl,
        MEMBER_LOG: join(this.dir, `member-${this.started++}.log`),
        ...this.options.env,
        ...extraEnv,
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.live.add(child);
    child.once('exit', () => this.live.delete(child));
    const timeoutMs = this.options.joinTimeoutMs ?? 60_000;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`a member did not join within ${timeoutMs} ms`)), timeoutMs);
      child.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`a member exited before joining (${code ?? signal})`));
      });
    });
    return child;
  }

  /** SIGKILL (a crash) or SIGTERM (a graceful leave), waiting for the exit. */
  async stop(child: ChildProcess, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
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

  /** Every log line of every member, in file order per member, members in start order. */
  entries(): Entry[] {
    const all: Entry[] = [];
    for (let i = 0; i < this.started; i++) {
      const file = join(this.dir, `member-${i}.log`);
      if (!existsSync(file)) continue;
      for (const line of readFileSync(file, 'utf8').split('\n')) if (line) all.push(JSON.parse(line) as Entry);
    }
    return all;
  }

  /** Stops every live member with the signal, waiting for them all. */
  async stopAll(signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    await Promise.all([...this.live].map((child) => this.stop(child, signal)));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stopAll('SIGKILL');
  }
}
