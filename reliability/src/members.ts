import { fileURLToPath } from 'node:url';
import { ChildMembers } from '@kbus/testkit';
import type { Handled } from './harness.ts';

const script = fileURLToPath(new URL('./member.ts', import.meta.url));

/** Group members as child processes (./member.ts); their log lines are the events they handled. */
export class MemberPool extends ChildMembers<Handled> {
  constructor(topic: string, groupId: string, delayMs = 1) {
    super({
      script,
      env: { MEMBER_TOPIC: topic, MEMBER_GROUP: groupId, MEMBER_DELAY_MS: String(delayMs) },
      joinTimeoutMs: 90_000,
    });
  }

  handled(): Handled[] {
    return this.entries();
  }
}
