import {
  channels,
  isKbusError,
  KbusError,
  type OutboxBacklogMessage,
  type RelaySendContext,
  registerSecret,
} from '@kbus/core';
import {
  createKafkaClient,
  type KafkaClient,
  type OutgoingRecord,
  PartitionCounts,
  type Producer,
  placeEventRecord,
} from '@kbus/transport';
import pg from 'pg';
import { checkRelayOptions, type RelayOptions } from './options.ts';
import { outboxTables } from './schema.ts';

export interface RelayStats {
  readonly leader: boolean;
  readonly published: number;
  readonly batches: number;
  readonly lastError: unknown;
}

export interface Relay extends AsyncDisposable {
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): RelayStats;
  /** Resolves once no pending row is older than this call (bounded by timeoutMs). */
  drained(timeoutMs?: number): Promise<void>;
}

/** Bound of opening a database session (pg's own default is none). */
const DATABASE_CONNECT_TIMEOUT_MS = 10_000;

interface PendingRow extends Record<string, unknown> {
  position: string;
  id: string;
  topic: string;
  record_key: string;
  record_value: Buffer;
  headers: Record<string, string>;
  trace_context?: Record<string, string> | null;
}

async function hasTraceColumn(client: pg.Client, tables: ReturnType<typeof outboxTables>): Promise<boolean> {
  const { rows } = await client.query(
    'SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name = $3',
    [tables.schema, tables.table, 'trace_context'],
  );
  return rows.length > 0;
}

/** The publisher's default `metadataMaxAgeMs` (Java's `metadata.max.age.ms`). */
const PARTITION_COUNT_MAX_AGE_MS = 300_000;

/**
 * Publishes outbox rows in commit order per aggregate. Several relays may run: a
 * PostgreSQL advisory lock makes one the leader, the others wait and take over when its
 * session ends. A row is marked published only after the broker acknowledged it; a relay
 * that dies in between leaves it pending, and the next leader publishes it again (same
 * event id: consumers de-duplicate on it). At-least-once, never out of order per aggregate.
 */
class PostgresRelay implements Relay {
  private readonly options: RelayOptions;
  private readonly tables: ReturnType<typeof outboxTables>;
  private readonly kafka: KafkaClient;
  private readonly producer: Producer;
  /** Read again after the publisher's default metadata age, so a topic given partitions is followed as a publisher follows it. */
  private readonly partitionCounts = new PartitionCounts(
    { topics: (names) => this.readTopics(names) },
    { maxAgeMs: PARTITION_COUNT_MAX_AGE_MS },
  );
  private client: pg.Client | undefined;
  private leader = false;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private notified = false;
  private published = 0;
  private batches = 0;
  private lastError: unknown;
  private lastCleanup = 0;
  private traceColumn: boolean | undefined;
  private lastBacklogReport = 0;
  /** host:port/database of the connection string, for messages (never its password). */
  private readonly database: string;

  constructor(given: RelayOptions) {
    const options = checkRelayOptions(given);
    this.options = options;
    this.database = describeDatabase(options.connectionString);
    this.tables = outboxTables(options);
    this.kafka =
      options.kafka ??
      createKafkaClient({
        brokers: options.brokers ?? [],
        clientId: options.clientId ?? 'kbus-outbox-relay',
        ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
        ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
      });
    this.producer = this.kafka.producer({ idempotent: true, ...options.producer });
  }

  async start(): Promise<void> {
    if (this.running) return;
    try {
      await this.producer.connect();
      await this.connectDatabase();
    } catch (error) {
      // Nothing of a failed start stays open: the process can exit.
      await this.producer.disconnect().catch(() => {});
      throw isKbusError(error) ? error : databaseError(error, this.database, 'start');
    }
    this.running = true;
    this.loop = this.run();
  }

  private async connectDatabase(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      application_name: 'kbus-outbox-relay',
      // pg waits without end for a server that accepts and never answers.
      connectionTimeoutMillis: DATABASE_CONNECT_TIMEOUT_MS,
    });
    client.on('error', (error) => {
      const typed = databaseError(error, this.database, 'keep its session');
      this.lastError = typed;
      this.options.onError?.(typed);
    });
    client.on('notification', () => {
      this.notified = true;
      this.wake?.();
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.tables.channel}"`);
    } catch (error) {
      await client.end().catch(() => {});
      throw databaseError(error, this.database, 'connect');
    }
    this.client = client;
    this.leader = false;
    return client;
  }

  private async run(): Promise<void> {
    let failures = 0;
    const poll = this.options.pollIntervalMs ?? 1_000;
    while (this.running) {
      try {
        const client = this.client ?? (await this.connectDatabase());
        if (!this.leader) {
          const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [
            `kbus:${this.tables.outbox}`,
          ]);
          this.leader = rows[0]?.ok === true;
          if (!this.leader) {
            await this.pause(poll);
            continue;
          }
        }
        this.notified = false;
        const sent = await this.relayBatch(client);
        await this.cleanup(client);
        await this.reportBacklog(client);
        failures = 0;
        if (sent < (this.options.batchSize ?? 500) && !this.notified) await this.pause(poll);
      } catch (error) {
        // Kafka failures come typed from the transport; anything else came from the database.
        const database = !isKbusError(error) || error.code === 'DATABASE_UNAVAILABLE';
        const typed = isKbusError(error) ? error : databaseError(error, this.database, 'relay a batch');
        this.lastError = typed;
        this.options.onError?.(typed);
        failures++;
        // A database failure may have broken the session (and with it the leader lock):
        // start over with a new one. Broker failures keep the session.
        if (this.client && database) {
          await this.client.end().catch(() => {});
          this.client = undefined;
          this.leader = false;
        }
        await this.pause(Math.min(poll * 2 ** Math.min(failures, 5), 30_000));
      }
    }
  }

  private async relayBatch(client: pg.Client): Promise<number> {
    // Tables migrated before version 2 have no trace_context column: read it where it exists.
    this.traceColumn ??= await hasTraceColumn(client, this.tables);
    const { rows } = await client.query<PendingRow>(
      `SELECT position, id, topic, record_key, record_value, headers${this.traceColumn ? ', trace_context' : ''} ` +
        `FROM ${this.tables.outbox} WHERE published_at IS NULL ORDER BY position LIMIT $1`,
      [this.options.batchSize ?? 500],
    );
    if (rows.length === 0) return 0;
    const partitions = new Map<string, number>();
    for (const row of rows) if (!partitions.has(row.topic)) partitions.set(row.topic, await this.partitions(row.topic));
    const send = () => {
      const byTopic = new Map<string, OutgoingRecord[]>();
      for (const row of rows) {
        const records = byTopic.get(row.topic) ?? [];
        // Rows are in position order, which within an aggregate is commit order; one key,
        // one partition: the broker appends them in that order.
        const stored = { key: Buffer.from(row.record_key, 'utf8'), value: row.record_value, headers: row.headers };
        records.push(placeEventRecord(stored, partitions.get(row.topic) as number));
        byTopic.set(row.topic, records);
      }
      return this.producer.send([...byTopic].map(([topic, records]) => ({ topic, records })));
    };
    if (channels.relaySend.hasSubscribers) {
      const context: RelaySendContext = {
        records: rows.map((row) => ({
          topic: row.topic,
          eventId: row.id,
          key: row.record_key,
          stored: row.trace_context ?? undefined,
          // The row's own headers object: what a tracer writes in `start` is sent.
          headers: row.headers,
        })),
      };
      const started = performance.now();
      await channels.relaySend.tracePromise(async () => {
        try {
          await send();
        } finally {
          context.durationMs = performance.now() - started;
        }
      }, context);
    } else {
      await send();
    }
    await this.options.hooks?.afterPublish?.(rows.map((r) => r.id));
    await client.query(`UPDATE ${this.tables.outbox} SET published_at = now() WHERE position = ANY($1::bigint[])`, [
      rows.map((r) => r.position),
    ]);
    this.published += rows.length;
    this.batches++;
    return rows.length;
  }

  private partitions(topic: string): Promise<number> {
    return this.partitionCounts.count(topic);
  }

  private async readTopics(names: readonly string[]) {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await admin.topics(names);
    } finally {
      await admin.disconnect();
    }
  }

  private async cleanup(client: pg.Client): Promise<void> {
    const retention = this.options.retentionMs ?? 7 * 24 * 3_600_000;
    const every = this.options.cleanupIntervalMs ?? 60_000;
    if (retention <= 0 || Date.now() - this.lastCleanup < every) return;
    this.lastCleanup = Date.now();
    await client.query(
      `DELETE FROM ${this.tables.outbox} WHERE position IN (SELECT position FROM ${this.tables.outbox} ` +
        `WHERE published_at IS NOT NULL AND published_at < now() - ($1::bigint * interval '1 millisecond') LIMIT 10000)`,
      [retention],
    );
  }

  /** What is still pending, for whoever listens on channels.outboxBacklog (at most once a second). */
  private async reportBacklog(client: pg.Client): Promise<void> {
    if (!channels.outboxBacklog.hasSubscribers || Date.now() - this.lastBacklogReport < 1_000) return;
    this.lastBacklogReport = Date.now();
    const { rows } = await client.query<{ pending: string; oldest_ms: number | null }>(
      `SELECT count(*) AS pending, (extract(epoch FROM now() - min(created_at)) * 1000)::float8 AS oldest_ms ` +
        `FROM ${this.tables.outbox} WHERE published_at IS NULL`,
    );
    channels.outboxBacklog.publish({
      table: `${this.tables.schema}.${this.tables.table}`,
      pending: Number(rows[0]?.pending ?? 0),
      oldestPendingAgeMs: rows[0]?.oldest_ms ?? 0,
    } satisfies OutboxBacklogMessage);
  }

  private pause(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wake = undefined;
        resolve();
      }
      this.wake = done;
    });
  }

  async drained(timeoutMs = 30_000): Promise<void> {
    const probe = new pg.Client({
      connectionString: this.options.connectionString,
      connectionTimeoutMillis: DATABASE_CONNECT_TIMEOUT_MS,
    });
    try {
      await probe.connect();
    } catch (error) {
      await probe.end().catch(() => {});
      throw databaseError(error, this.database, 'connect');
    }
    try {
      const { rows } = await probe.query<{ max: string | null }>(
        `SELECT max(position) AS max FROM ${this.tables.outbox}`,
      );
      const upTo = rows[0]?.max ?? '0';
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const pending = await probe.query(
          `SELECT 1 FROM ${this.tables.outbox} WHERE published_at IS NULL AND position <= $1 LIMIT 1`,
          [upTo],
        );
        if (pending.rows.length === 0) return;
        if (Date.now() > deadline)
          throw new KbusError(
            'TIMEOUT',
            `outbox rows up to position ${upTo} were not all published within ${timeoutMs} ms`,
          );
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await probe.end();
    }
  }

  async stop(): Promise<void> {
    if (!this.running) {
      // Never started, or its start failed: nothing runs, but a producer may be open.
      await this.producer.disconnect().catch(() => {});
      return;
    }
    this.running = false;
    this.wake?.();
    await this.loop;
    if (this.client) {
      if (this.leader)
        await this.client
          .query('SELECT pg_advisory_unlock(hashtext($1))', [`kbus:${this.tables.outbox}`])
          .catch(() => {});
      await this.client.end().catch(() => {});
      this.client = undefined;
    }
    this.leader = false;
    await this.producer.disconnect();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  stats(): RelayStats {
    return { leader: this.leader, published: this.published, batches: this.batches, lastError: this.lastError };
  }
}

/**
 * Where a connection string points, without credentials: `host:port/database`. Its
 * password is registered with the redaction rule, so that no message repeats it.
 */
function describeDatabase(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password) {
      registerSecret(url.password);
      registerSecret(decodeURIComponent(url.password));
    }
    const host = url.hostname || url.searchParams.get('host') || 'localhost';
    return `${host}:${url.port || '5432'}${url.pathname && url.pathname !== '/' ? url.pathname : ''}`;
  } catch {
    // A key=value connection string ("host=… password=…").
    const fields = Object.fromEntries(
      connectionString
        .split(/\s+/)
        .map((pair) => pair.split('='))
        .filter((kv): kv is [string, string] => kv.length === 2),
    );
    if (fields.password) registerSecret(fields.password);
    return `${fields.host ?? 'localhost'}:${fields.port ?? '5432'}${fields.dbname ? `/${fields.dbname}` : ''}`;
  }
}

/** A database failure as a typed, retriable error naming the database (not its password). */
function databaseError(error: unknown, database: string, what: string): KbusError {
  const code = (error as { code?: unknown })?.code;
  const reason = code === 'ECONNREFUSED' ? 'connection refused' : ((error as Error)?.message ?? String(error));
  return new KbusError(
    'DATABASE_UNAVAILABLE',
    `the outbox relay could not ${what}: PostgreSQL at ${database}: ${reason}`,
    { retriable: true, cause: error, details: { database, ...(typeof code === 'string' ? { pgCode: code } : {}) } },
  );
}

/**
 * The relay of the transactional outbox.
 *
 * @example
 * const relay = createRelay({ connectionString: process.env.DATABASE_URL!, brokers: ['localhost:9092'] });
 * await relay.start();
 */
export function createRelay(options: RelayOptions): Relay {
  return new PostgresRelay(options);
}
