import { createPublisher } from '@kbus/publisher';
import { deleteTopics, testStack, uniqueName, waitForGroupAtEnd } from '@kbus/testkit';
import { AuthService } from '@kbus-examples/auth-service';
import { userAccountTopic, userAccountTopicV1 } from '@kbus-examples/contracts';
import { describe, expect, it } from 'vitest';
import { AuditLog, auditSubscriber } from '../src/index.ts';

describe('audit service', () => {
  it('joins later, replays the whole history from the beginning, reading v2 events with its v1 contract', async () => {
    const stack = testStack();
    const connection = { brokers: stack.brokers, registry: { url: stack.registryUrl } };
    const topic = userAccountTopic(uniqueName('audit'));
    await using publisher = createPublisher({ ...connection, topics: [topic], clientId: 'auth-service' });
    await publisher.ensureTopics();
    try {
      const auth = new AuthService(publisher);
      const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => auth.register(`u${i}@mail.test`, `User ${i}`)));
      for (const id of ids.slice(0, 3)) await auth.changeEmail(id, `changed-${id}@mail.test`);
      await auth.delete(ids[0] as string);

      // The history exists before the audit service starts.
      const log = new AuditLog();
      const groupId = uniqueName('audit');
      await using member = auditSubscriber(log, { ...connection, groupId, topics: [userAccountTopicV1(topic.name)] });
      await member.start();
      await waitForGroupAtEnd(groupId, topic.name);
      expect(log.size).toBe(10);
      expect(log.byAccount.get(ids[0] as string)?.map((e) => `${e.revision}:${e.type}`)).toEqual([
        '1:user-account.created',
        '2:user-account.email-changed',
        '3:user-account.deleted',
      ]);
      for (const entries of log.byAccount.values())
        expect(entries.map((e) => e.revision)).toEqual(entries.map((_, i) => i + 1));
    } finally {
      await deleteTopics([topic.name, `${topic.name}.dlt`], { withSubjects: true });
    }
  });
});
