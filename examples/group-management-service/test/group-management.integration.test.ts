import { createPublisher } from '@kbus/publisher';
import { resetOffsets } from '@kbus/subscriber';
import { deleteTopics, testStack, uniqueName, waitForGroupAtEnd } from '@kbus/testkit';
import { AuthService } from '@kbus-examples/auth-service';
import { userAccountTopic } from '@kbus-examples/contracts';
import { describe, expect, it } from 'vitest';
import { GroupManagement, groupManagementSubscriber } from '../src/index.ts';

describe('group management service', () => {
  it('keeps its view of users and memberships consistent, and redelivery changes nothing', async () => {
    const stack = testStack();
    const connection = { brokers: stack.brokers, registry: { url: stack.registryUrl } };
    const topic = userAccountTopic(uniqueName('groups'));
    const groupId = uniqueName('group-management');
    await using publisher = createPublisher({ ...connection, topics: [topic], clientId: 'auth-service' });
    await publisher.ensureTopics();
    try {
      const auth = new AuthService(publisher);
      const ada = await auth.register('ada@example.com', 'Ada');
      const bob = await auth.register('bob@mail.test');
      await auth.changeEmail(bob, 'robert@mail.test');
      await auth.changeDisplayName(bob, 'Robert');
      await auth.delete(ada);

      const service = new GroupManagement();
      const first = groupManagementSubscriber(service, { ...connection, groupId, topics: [topic] });
      await first.start();
      await waitForGroupAtEnd(groupId, topic.name);
      await first.stop();
      expect(service.members.has(ada)).toBe(false);
      expect(service.groupsOf(ada)).toEqual([]);
      expect(service.members.get(bob)).toEqual({
        accountId: bob,
        email: 'robert@mail.test',
        displayName: 'Robert',
        active: true,
      });
      expect(service.groupsOf(bob).sort()).toEqual(['customers', 'everyone']);
      expect(service.handled.every((h) => h.applied && h.inOrder)).toBe(true);

      // Every event again (as after a crash before commit): the view must not change.
      const snapshot = JSON.stringify({
        members: [...service.members],
        groups: [...service.groups].map(([g, m]) => [g, [...m]]),
      });
      await resetOffsets({ ...connection, groupId, topics: [topic], to: 'earliest' });
      const again = groupManagementSubscriber(service, { ...connection, groupId, topics: [topic] });
      await again.start();
      await waitForGroupAtEnd(groupId, topic.name);
      await again.stop();
      expect(service.handled).toHaveLength(10);
      expect(service.handled.slice(5).every((h) => !h.applied)).toBe(true);
      expect(
        JSON.stringify({ members: [...service.members], groups: [...service.groups].map(([g, m]) => [g, [...m]]) }),
      ).toBe(snapshot);
    } finally {
      await deleteTopics([topic.name, `${topic.name}.dlt`], { withSubjects: true });
    }
  });
});
