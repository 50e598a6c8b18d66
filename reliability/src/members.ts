import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testStack } from '@kbus/testkit';
import type { Handled } from './harness.ts';

const script = fileURLToPath(new URL('./member.ts', import.meta.url));

/** Group members as child processes, sharing one log directory. */
export class MemberPool {
  private readonly dir = mkdtempSync(join(tmpdir(), 'kbus-reliability-'));
  readonly live = new Set<ChildProcess>();
  private started = 0;
  private readonly topic: string;
  private readonly groupId: string;
  private readonly delayMs: number;

  constructor(topic: string, groupId: string, delayMs = 1) {
    this.topic = topic;
    this.groupId = groupId;
    this.delayMs = delayMs;
  }

  async start(): Promise<ChildProcess> {
    const stack = testStack();
    const child = fork(script, [], {
      execArgv: ['--conditions=source', '--no-warnings'],
      env: {
        ...process.env,
        KAFKA_BROKERS: stack.brokers.join(','),
        SCHEMA_REGISTRY_URL: stack.registryUrl,
        MEMBER_TOPIC: this.topic,
        MEMBER_GROUP: this.groupId,
        MEMBER_LOG: join(this.dir, `member-${this.started++}.log`),
        MEMBER_DELAY_MS: String(this.delayMs),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.live.add(child);
    child.once('exit', () => this.live.delete(child));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('a member did not join within 90 s')), 90_000);
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

  /** SIGKILL (crash) or SIGTERM (graceful leave), waiting for the exit. */
  async stop(child: ChildProcess, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  handled(): Handled[] {
    const all: Handled[] = [];
    for (let i = 0; i < this.started; i++) {
      const file = join(this.dir, `member-${i}.log`);
      if (!existsSync(file)) continue;
      for (const line of readFileSync(file, 'utf8').split('\n')) if (line) all.push(JSON.parse(line) as Handled);
    }
    return all;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.live].map((c) => this.stop(c, 'SIGTERM')));
  }
}
