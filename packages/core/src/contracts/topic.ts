import { KbusError } from '../errors.ts';
import type { AnyEventDefinition } from './event.ts';

export interface TopicSettings {
  /** Partitions to create the topic with (ensureTopics). */
  readonly partitions?: number;
  readonly replicationFactor?: number;
  /** Topic configs to create with and to verify, e.g. `{ 'min.insync.replicas': '2', 'retention.ms': '-1' }`. */
  readonly config?: Readonly<Record<string, string>>;
}

export interface DefineTopicOptions<TName extends string, TEvents extends readonly AnyEventDefinition[]>
  extends TopicSettings {
  readonly name: TName;
  /** The event types this topic carries; one version per type (the one this service reads and writes). */
  readonly events: TEvents;
  /** Aggregate type the events belong to, e.g. `user-account`. */
  readonly aggregate?: string;
}

export interface TopicDefinition<
  TName extends string = string,
  TEvents extends readonly AnyEventDefinition[] = readonly AnyEventDefinition[],
> extends TopicSettings {
  readonly kind: 'kbus.topic';
  readonly name: TName;
  readonly events: TEvents;
  readonly aggregate: string | undefined;
  /** The declared event of a type, if the topic carries it. */
  eventOfType(type: string): TEvents[number] | undefined;
  /** The declared event whose envelope record has this Avro full name. */
  eventOfRecord(fullName: string): TEvents[number] | undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: variance: any topic, whatever its events.
export type AnyTopicDefinition = TopicDefinition<string, readonly any[]>;

/** The events of a topic, as a union. */
export type EventsOf<T extends AnyTopicDefinition> = T['events'][number];
/** The event type names of a topic. */
export type EventTypesOf<T extends AnyTopicDefinition> = EventsOf<T>['type'];
/** The declared event of a given type on a topic. */
export type EventOfType<T extends AnyTopicDefinition, K extends string> = Extract<EventsOf<T>, { readonly type: K }>;

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * Groups the event types of one aggregate on one topic. Events are keyed by aggregate id,
 * so every event of one aggregate lands on one partition, in order.
 *
 * @example
 * export const UserAccountTopic = defineTopic({
 *   name: 'auth.user-account',
 *   aggregate: 'user-account',
 *   events: [UserAccountCreated, UserEmailChanged, UserAccountDeleted],
 *   partitions: 12,
 * });
 */
export function defineTopic<const TName extends string, const TEvents extends readonly AnyEventDefinition[]>(
  options: DefineTopicOptions<TName, TEvents>,
): TopicDefinition<TName, TEvents> {
  if (!TOPIC_NAME.test(options.name) || options.name === '.' || options.name === '..') {
    throw new KbusError(
      'INVALID_CONFIGURATION',
      `defineTopic: "${options.name}" is not a valid Kafka topic name (1–249 of a-z A-Z 0-9 . _ -)`,
    );
  }
  if (options.events.length === 0) {
    throw new KbusError('INVALID_CONFIGURATION', `defineTopic("${options.name}"): declare at least one event`);
  }
  const byType = new Map<string, AnyEventDefinition>();
  const byRecord = new Map<string, AnyEventDefinition>();
  for (const event of options.events) {
    if (event?.kind !== 'kbus.event') {
      throw new KbusError(
        'INVALID_CONFIGURATION',
        `defineTopic("${options.name}"): events must come from defineEvent()`,
      );
    }
    const clash = byType.get(event.type);
    if (clash) {
      throw new KbusError(
        'INVALID_CONFIGURATION',
        `defineTopic("${options.name}"): "${event.type}" is declared twice (versions ${clash.version} and ${event.version}); ` +
          'declare the version this service uses, and keep older ones as `previous`',
      );
    }
    if (byRecord.has(event.fullName)) {
      throw new KbusError(
        'INVALID_CONFIGURATION',
        `defineTopic("${options.name}"): two events share the record name ${event.fullName}`,
      );
    }
    byType.set(event.type, event);
    byRecord.set(event.fullName, event);
  }
  if (options.partitions !== undefined && (!Number.isInteger(options.partitions) || options.partitions < 1)) {
    throw new KbusError(
      'INVALID_CONFIGURATION',
      `defineTopic("${options.name}"): partitions must be a positive integer`,
    );
  }
  return Object.freeze({
    kind: 'kbus.topic',
    name: options.name,
    events: options.events,
    aggregate: options.aggregate,
    ...(options.partitions === undefined ? {} : { partitions: options.partitions }),
    ...(options.replicationFactor === undefined ? {} : { replicationFactor: options.replicationFactor }),
    ...(options.config === undefined ? {} : { config: options.config }),
    eventOfType: (type: string) => byType.get(type) as TEvents[number] | undefined,
    eventOfRecord: (fullName: string) => byRecord.get(fullName) as TEvents[number] | undefined,
  });
}
