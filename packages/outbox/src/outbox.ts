import {
  type AnyEventDefinition,
  type AnyTopicDefinition,
  channels,
  type Encoder,
  type EventEnvelope,
  type HeaderCarrier,
  KbusError,
  type OutboxAddContext,
  type PayloadInput,
  Serde,
} from '@kbus/core';
import { parseOptions } from '@kbus/core/options';
import { eventEnvelope, eventRoutes, type UnplacedEventRecord, unplacedEventRecord } from '@kbus/transport';
import type * as z from 'zod';
import { outboxOptionsSchema } from './options.ts';
import { outboxTables, type Queryable } from './schema.ts';

export interface OutboxOptions<T extends readonly AnyTopicDefinition[]>
  extends Omit<z.input<typeof outboxOptionsSchema>, 'topics'> {
  readonly topics: T;
}

export interface AddOptions {
  /** Default: the event's declared aggregateId(payload). */
  readonly aggregateId?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly occurredAt?: Date;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface AddedEvent {
  readonly eventId: string;
  readonly aggregateId: string;
  /** Position of the event in its aggregate's sequence (1, 2, …), which is commit order. */
  readonly aggregateSeq: number;
}

export type OutboxEvent<T extends readonly AnyTopicDefinition[]> = T[number]['events'][number];

export interface Outbox<T extends readonly AnyTopicDefinition[]> {
  /**
   * Registers the schemas of all declared events (call at start-up): afterwards add() needs
   * no registry request.
   */
  prepare(): Promise<void>;
  /**
   * Validates and encodes an event like the publisher, and inserts it in the caller's
   * transaction: it is published if and only if that transaction commits.
   */
  add<E extends OutboxEvent<T>>(
    tx: Queryable,
    event: E,
    payload: PayloadInput<E>,
    options?: AddOptions,
  ): Promise<AddedEvent>;
}

class PostgresOutbox<T extends readonly AnyTopicDefinition[]> implements Outbox<T> {
  private readonly serde: Serde;
  private readonly source: string;
  private readonly routes: ReadonlyMap<AnyEventDefinition, AnyTopicDefinition>;
  private readonly encoders = new Map<AnyEventDefinition, Encoder>();
  private readonly insertSql: string;
  private readonly insertTracedSql: string;
  private readonly sequenceSql: string;
  private readonly notifySql: string;

  constructor(given: OutboxOptions<T>) {
    const options = parseOptions(outboxOptionsSchema, given, 'createOutbox');
    this.serde =
      options.registry instanceof Serde
        ? options.registry
        : new Serde({
            registry: options.registry,
            ...(options.subjectNaming ? { subjectNaming: options.subjectNaming } : {}),
          });
    this.source = options.source;
    this.routes = eventRoutes(options.topics, 'createOutbox');
    const tables = outboxTables(options);
    this.sequenceSql =
      `INSERT INTO ${tables.sequence} AS s (aggregate_type, aggregate_id, last_seq) VALUES ($1, $2, 1) ` +
      'ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET last_seq = s.last_seq + 1 RETURNING last_seq';
    const columns =
      'id, aggregate_type, aggregate_id, aggregate_seq, topic, event_type, event_version, record_key, record_value, headers';
    this.insertSql = `INSERT INTO ${tables.outbox} (${columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;
    this.insertTracedSql = `INSERT INTO ${tables.outbox} (${columns}, trace_context) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`;
    // Delivered when the transaction commits; never for one that rolls back.
    this.notifySql = `SELECT pg_notify('${tables.channel}', '')`;
  }

  async prepare(): Promise<void> {
    await Promise.all([...this.routes].map(([event]) => this.encoder(event)));
  }

  private async encoder(event: AnyEventDefinition): Promise<Encoder> {
    const cached = this.encoders.get(event);
    if (cached) return cached;
    const topic = this.routes.get(event) as AnyTopicDefinition;
    const encoder = await this.serde.encoder(topic, event);
    this.encoders.set(event, encoder);
    return encoder;
  }

  async add<E extends OutboxEvent<T>>(
    tx: Queryable,
    event: E,
    payload: PayloadInput<E>,
    options: AddOptions = {},
  ): Promise<AddedEvent> {
    if (typeof (tx as Partial<Queryable> | null | undefined)?.query !== 'function') {
      throw new KbusError(
        'INVALID_CONFIGURATION',
        `outbox.add(tx, event, payload): tx must be the database client of your open transaction (something with query()), not ${describeValue(tx)}`,
      );
    }
    const topic = this.routes.get(event);
    if (!topic) {
      const declared = [...this.routes.keys()].map((e) => e.type).join(', ');
      throw new KbusError(
        'UNKNOWN_EVENT_TYPE',
        `outbox.add(tx, event, payload): ${describeValue((event as AnyEventDefinition | undefined)?.type ?? event)} is not an event declared on any topic of this outbox (declared: ${declared})`,
      );
    }
    const envelope = eventEnvelope(event, payload, { source: this.source, ...options });
    const encoder = this.encoders.get(event) ?? (await this.encoder(event));
    const record = unplacedEventRecord(envelope, encoder, { extraHeaders: options.headers });
    if (!channels.outboxAdd.hasSubscribers) return this.insert(tx, topic, envelope, record, undefined);
    const context: OutboxAddContext = {
      topic: topic.name,
      eventType: envelope.type,
      eventId: envelope.id,
      aggregateId: envelope.aggregateId,
      correlationId: envelope.correlationId,
      carrier: {},
    };
    // A tracer writes the caller's context into the carrier in `start`; the row keeps it for the relay.
    return channels.outboxAdd.tracePromise(() => this.insert(tx, topic, envelope, record, context.carrier), context);
  }

  private async insert(
    tx: Queryable,
    topic: AnyTopicDefinition,
    envelope: EventEnvelope,
    record: UnplacedEventRecord,
    traceContext: HeaderCarrier | undefined,
  ): Promise<AddedEvent> {
    const aggregateType = topic.aggregate ?? topic.name;
    const { rows } = await tx.query<{ last_seq: string }>(this.sequenceSql, [aggregateType, envelope.aggregateId]);
    const aggregateSeq = Number(rows[0]?.last_seq);
    const headers = { ...record.headers, 'kbus_aggregate-seq': String(aggregateSeq) };
    const values: unknown[] = [
      envelope.id,
      aggregateType,
      envelope.aggregateId,
      aggregateSeq,
      topic.name,
      envelope.type,
      envelope.version,
      envelope.aggregateId,
      record.value,
      JSON.stringify(headers),
    ];
    // The trace_context column (migration 002) is written only when a tracer filled the
    // carrier: an outbox without tracing works on tables that predate it.
    const traced = traceContext !== undefined && Object.keys(traceContext).length > 0;
    if (traced) values.push(JSON.stringify(traceContext));
    await tx.query(traced ? this.insertTracedSql : this.insertSql, values);
    await tx.query(this.notifySql);
    return { eventId: envelope.id, aggregateId: envelope.aggregateId, aggregateSeq };
  }
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return typeof value;
}

/**
 * The writing side of the transactional outbox: events are written in the same database
 * transaction as the state change they describe; a relay publishes them afterwards.
 *
 * @example
 * const outbox = createOutbox({ topics: [UserAccountTopic], source: 'auth-service', registry: { url } });
 * await outbox.prepare();
 * const client = await pool.connect();
 * await client.query('BEGIN');
 * await client.query('INSERT INTO accounts …');
 * await outbox.add(client, UserAccountCreated, { accountId, revision: 1, email });
 * await client.query('COMMIT');
 */
export function createOutbox<const T extends readonly AnyTopicDefinition[]>(options: OutboxOptions<T>): Outbox<T> {
  return new PostgresOutbox(options);
}
