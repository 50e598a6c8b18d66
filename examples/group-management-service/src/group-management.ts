import type { AnyEventDefinition, EnvelopeOf } from '@kbus/core';
import {
  createSubscriber,
  type HandlerContext,
  notRetriable,
  type Subscriber,
  type SubscriberOptions,
} from '@kbus/subscriber';
import type { UserAccountTopicType } from '@kbus-examples/contracts';

export interface Member {
  readonly accountId: string;
  email: string;
  displayName: string | undefined;
  active: boolean;
}

/** What the service records per handled event, for the demo timeline and tests. */
export interface HandledEvent {
  readonly type: string;
  readonly accountId: string;
  readonly revision: number;
  readonly partition: number;
  readonly offset: string;
  /** False for a redelivery (the revision was already applied): nothing changed. */
  readonly applied: boolean;
  /** The revision followed the last applied one (no gap, no reordering). */
  readonly inOrder: boolean;
}

/**
 * The group-management service keeps its own view of users (another bounded context) and
 * of group memberships, from the auth service's account events. Handling is idempotent:
 * an event whose revision was already applied (a redelivery) changes nothing.
 */
export class GroupManagement {
  readonly members = new Map<string, Member>();
  /** Group name → member account ids. */
  readonly groups = new Map<string, Set<string>>();
  readonly handled: HandledEvent[] = [];
  /** Last applied revision per account, kept after deletion so redeliveries stay no-ops. */
  private readonly revisions = new Map<string, number>();
  /** Display names this service refuses (a business rule that can make events poison). */
  readonly forbiddenNames = new Set<string>();
  onHandled: ((event: HandledEvent) => void) | undefined;

  private apply<E extends AnyEventDefinition>(
    event: EnvelopeOf<E>,
    context: HandlerContext,
    change: (member: Member | undefined) => void,
  ) {
    const { accountId, revision } = event.payload as { accountId: string; revision: number };
    const last = this.revisions.get(accountId) ?? 0;
    const fresh = revision > last;
    if (fresh) {
      change(this.members.get(accountId));
      this.revisions.set(accountId, revision);
    }
    const record: HandledEvent = {
      type: event.type,
      accountId,
      revision,
      partition: context.partition,
      offset: context.offset,
      applied: fresh,
      inOrder: !fresh || revision === last + 1,
    };
    this.handled.push(record);
    this.onHandled?.(record);
  }

  private join(group: string, accountId: string) {
    const members = this.groups.get(group) ?? new Set<string>();
    members.add(accountId);
    this.groups.set(group, members);
  }

  groupsOf(accountId: string): string[] {
    return [...this.groups].filter(([, members]) => members.has(accountId)).map(([name]) => name);
  }

  readonly handlers: SubscriberOptions<readonly [UserAccountTopicType]>['handlers'] = {
    'user-account.created': (event, context) =>
      this.apply(event, context, () => {
        const { accountId, email, displayName } = event.payload;
        this.members.set(accountId, { accountId, email, displayName, active: true });
        this.join('everyone', accountId);
        this.join(email.endsWith('@example.com') ? 'staff' : 'customers', accountId);
      }),
    'user-account.email-changed': (event, context) =>
      this.apply(event, context, (member) => {
        if (!member) return;
        member.email = event.payload.email;
      }),
    'user-account.display-name-changed': (event, context) => {
      if (this.forbiddenNames.has(event.payload.displayName)) {
        throw notRetriable(`display name "${event.payload.displayName}" is not allowed in groups`);
      }
      this.apply(event, context, (member) => {
        if (!member) return;
        member.displayName = event.payload.displayName;
      });
    },
    'user-account.deactivated': (event, context) =>
      this.apply(event, context, (member) => {
        if (!member) return;
        member.active = false;
      }),
    'user-account.deleted': (event, context) =>
      this.apply(event, context, () => {
        // A deleted account leaves every group.
        for (const members of this.groups.values()) members.delete(event.payload.accountId);
        this.members.delete(event.payload.accountId);
      }),
  };
}

/** Runs the service as a consumer group member. */
export function groupManagementSubscriber(
  service: GroupManagement,
  options: Omit<SubscriberOptions<readonly [UserAccountTopicType]>, 'handlers'>,
): Subscriber {
  return createSubscriber({ ...options, handlers: service.handlers });
}
