import type { AnyEventDefinition, EnvelopeOf } from '@kbus/core';
import { createSubscriber, type HandlerContext, type Subscriber, type SubscriberOptions } from '@kbus/subscriber';
import type { userAccountTopicV1 } from '@kbus-examples/contracts';

type AuditTopic = ReturnType<typeof userAccountTopicV1>;

export interface AuditEntry {
  readonly eventId: string;
  readonly type: string;
  readonly accountId: string;
  readonly revision: number;
  readonly occurredAt: Date;
  readonly partition: number;
  readonly offset: string;
}

/**
 * The audit service joined later: its own consumer group starts from the earliest retained
 * event and replays the whole history into an append-only log per account. It was written
 * against version 1 of "user-account.created" and reads version-2 events through Avro
 * schema resolution. Entries are kept once per event id (redeliveries are no-ops).
 */
export class AuditLog {
  readonly byAccount = new Map<string, AuditEntry[]>();
  private readonly seen = new Set<string>();
  onEntry: ((entry: AuditEntry) => void) | undefined;

  get size(): number {
    return this.seen.size;
  }

  private record<E extends AnyEventDefinition>(event: EnvelopeOf<E>, context: HandlerContext) {
    if (this.seen.has(event.id)) return;
    this.seen.add(event.id);
    const { accountId, revision } = event.payload as { accountId: string; revision: number };
    const entry: AuditEntry = {
      eventId: event.id,
      type: event.type,
      accountId,
      revision,
      occurredAt: event.occurredAt,
      partition: context.partition,
      offset: context.offset,
    };
    this.byAccount.set(accountId, [...(this.byAccount.get(accountId) ?? []), entry]);
    this.onEntry?.(entry);
  }

  readonly handlers: SubscriberOptions<readonly [AuditTopic]>['handlers'] = {
    'user-account.created': (event, context) => this.record(event, context),
    'user-account.email-changed': (event, context) => this.record(event, context),
    'user-account.display-name-changed': (event, context) => this.record(event, context),
    'user-account.deactivated': (event, context) => this.record(event, context),
    'user-account.deleted': (event, context) => this.record(event, context),
  };
}

/** Runs the audit log as a new consumer group that replays from the beginning. */
export function auditSubscriber(
  log: AuditLog,
  options: Omit<SubscriberOptions<readonly [AuditTopic]>, 'handlers' | 'startFrom'>,
): Subscriber {
  return createSubscriber({ ...options, startFrom: 'earliest', handlers: log.handlers });
}
