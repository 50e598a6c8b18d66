import type { Admin } from './types.ts';

/** What the cache reads counts through: an admin client, or anything answering `topics` like one. */
export type PartitionCountSource = Pick<Admin, 'topics'>;

export interface PartitionCountsOptions {
  /**
   * How long a count read from the cluster is served from the cache. `Infinity`: until a
   * caller reports a partition the count does not cover. `0`: every `count()` reads again.
   */
  readonly maxAgeMs: number;
  /** The clock the ages are measured on (tests pass their own). */
  readonly now?: () => number;
}

interface Entry {
  readonly count: number;
  readonly readAt: number;
  /** Read because a caller reported a partition beyond the count before: further reports wait for its age. */
  readonly afterReport: boolean;
}

/**
 * The partition counts of topics, read through an admin client and cached per topic, for
 * every part of the SDK that picks partitions itself (publisher, dead-letter producer,
 * redrive, outbox relay).
 *
 * The refresh rule, the same for every caller:
 * - `count(topic)` serves a cached count while it is younger than `maxAgeMs`, and reads it
 *   again after that; concurrent asks for a topic share one read.
 * - `refresh(topics)` reads the given topics now, whatever their age (a caller that must
 *   know the counts before it starts, or refreshes on its own timer).
 * - `sawPartition(topic, partition)`: a caller met a partition number the cached count
 *   does not cover (partitions were added); the count is stale at once, so the next
 *   `count()` reads it again. At most once per read: if the count read after a report still
 *   does not cover the partition, later reports are ignored until that count ages out (a
 *   record naming a partition the topic never had costs one read, not one per record).
 * - A failed read keeps what was cached and rethrows the admin's error; the caller decides.
 * - `known(topic)` answers from the cache alone (any age), for callers that pick a
 *   partition synchronously.
 *
 * How each caller sets `maxAgeMs`: the publisher uses its `metadataMaxAgeMs` and refreshes
 * on that timer (publish picks partitions synchronously from `known`); the outbox relay
 * uses the same default age (300 s) so a topic given more partitions is followed like
 * the publisher follows it; redrive keeps one cache per run (`Infinity`: a run is bounded
 * by its timeout) and reports original partitions its counts do not cover; the
 * subscriber reads its dead-letter topics' counts when it starts (`remember` for the
 * topics it has just created with a declared count).
 *
 * @example
 * const counts = new PartitionCounts(admin, { maxAgeMs: 300_000 });
 * const partitions = await counts.count('orders');
 */
export class PartitionCounts {
  private readonly entries = new Map<string, Entry>();
  private readonly reading = new Map<string, Promise<number>>();
  private readonly reported = new Set<string>();
  private readonly source: PartitionCountSource;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(source: PartitionCountSource, options: PartitionCountsOptions) {
    this.source = source;
    this.maxAgeMs = options.maxAgeMs;
    this.now = options.now ?? Date.now;
  }

  /** The cached count of a topic, whatever its age; undefined when never read. */
  known(topic: string): number | undefined {
    return this.entries.get(topic)?.count;
  }

  /** The topic's partition count: from the cache while fresh, otherwise read from the cluster. */
  count(topic: string): Promise<number> {
    const entry = this.entries.get(topic);
    if (entry && this.now() - entry.readAt < this.maxAgeMs) return Promise.resolve(entry.count);
    let pending = this.reading.get(topic);
    if (!pending) {
      pending = this.refresh([topic])
        .then((counts) => counts.get(topic) ?? 0)
        .finally(() => this.reading.delete(topic));
      this.reading.set(topic, pending);
    }
    return pending;
  }

  /** Reads the topics' counts now and caches them; a topic the cluster does not list counts 0. */
  async refresh(topics: readonly string[]): Promise<Map<string, number>> {
    const infos = await this.source.topics(topics);
    const readAt = this.now();
    const counts = new Map<string, number>(topics.map((name) => [name, 0]));
    for (const info of infos) counts.set(info.name, info.partitions.length);
    for (const [name, count] of counts)
      this.entries.set(name, { count, readAt, afterReport: this.reported.delete(name) });
    return counts;
  }

  /** Caches a count the caller knows (a topic it has just created), as if read now. */
  remember(topic: string, count: number): void {
    this.entries.set(topic, { count, readAt: this.now(), afterReport: false });
  }

  /** A caller met this partition of the topic: a count that does not cover it is stale at once. */
  sawPartition(topic: string, partition: number): void {
    const entry = this.entries.get(topic);
    if (!entry || partition < entry.count || entry.afterReport) return;
    this.entries.delete(topic);
    this.reported.add(topic);
  }
}
