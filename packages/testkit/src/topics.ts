import { withAdmin } from './clients.ts';
import { testStack, uniqueName } from './environment.ts';
import { waitFor } from './wait-for.ts';

export interface TestTopicOptions {
  /** Default 1. */
  readonly partitions?: number;
  /** Default: the broker's default.replication.factor. */
  readonly replicationFactor?: number;
  readonly config?: Readonly<Record<string, string>>;
  /** Readable part of the generated name. */
  readonly prefix?: string;
}

export interface TestTopic extends AsyncDisposable {
  readonly name: string;
  readonly partitions: number;
  /** Deletes the topic and every registry subject named after it. */
  dispose(): Promise<void>;
}

/**
 * Creates a uniquely named topic (waiting for its leaders) and deletes it, with its registry
 * subjects, when disposed.
 *
 * @example
 * await using topic = await createTestTopic({ partitions: 12, prefix: 'orders' });
 */
export async function createTestTopic(options: TestTopicOptions = {}): Promise<TestTopic> {
  const name = uniqueName(options.prefix ?? 'topic');
  const partitions = options.partitions ?? 1;
  await withAdmin(async (admin) => {
    await admin.createTopics({
      timeout: 30_000,
      topics: [
        {
          topic: name,
          numPartitions: partitions,
          ...(options.replicationFactor === undefined ? {} : { replicationFactor: options.replicationFactor }),
          configEntries: Object.entries(options.config ?? {}).map(([key, value]) => ({ name: key, value })),
        },
      ],
    });
    // The new topic reaches every broker's metadata a moment later; usable once each partition has a leader.
    await waitFor(
      async () => {
        const { topics } = await admin.fetchTopicMetadata({ topics: [name] });
        return topics[0]?.partitions.length === partitions && topics[0].partitions.every((p) => p.leader >= 0);
      },
      { timeoutMs: 30_000, intervalMs: 50, description: `leaders of ${name}` },
    );
  });
  const dispose = () => deleteTopics([name], { withSubjects: true });
  return { name, partitions, dispose, [Symbol.asyncDispose]: dispose };
}

/** Deletes topics (ignoring ones already gone) and, optionally, registry subjects that start with their names. */
export async function deleteTopics(names: readonly string[], options: { withSubjects?: boolean } = {}): Promise<void> {
  await withAdmin(async (admin) => {
    const existing = new Set(await admin.listTopics());
    const present = names.filter((n) => existing.has(n));
    if (present.length > 0) await admin.deleteTopics({ topics: present, timeout: 30_000 });
  });
  if (options.withSubjects) await deleteSubjects((subject) => names.some((n) => subject.startsWith(n)));
}

/** Deletes (soft, then permanently) every registry subject matching `predicate`. */
export async function deleteSubjects(predicate: (subject: string) => boolean): Promise<string[]> {
  const { registryUrl } = testStack();
  const response = await fetch(`${registryUrl}/subjects`);
  if (!response.ok) throw new Error(`GET ${registryUrl}/subjects answered ${response.status}`);
  const subjects = ((await response.json()) as string[]).filter(predicate);
  for (const subject of subjects) {
    const url = `${registryUrl}/subjects/${encodeURIComponent(subject)}`;
    await fetch(url, { method: 'DELETE' });
    await fetch(`${url}?permanent=true`, { method: 'DELETE' });
  }
  return subjects;
}
