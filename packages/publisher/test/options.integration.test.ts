import { isKbusError } from '@kbus/core';
import { deleteTopics } from '@kbus/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { createPublisher } from '../src/index.ts';
import { accountTopic, connection } from './fixtures.ts';

const created: string[] = [];
afterAll(async () => {
  await deleteTopics(created, { withSubjects: true });
});

describe('publisher ssl option against the real (plain-text) broker', () => {
  it('speaks TLS when told to: it fails to connect instead of connecting in plain text', async () => {
    const topic = accountTopic(1, 'options-ssl');
    await using plain = createPublisher({ ...connection(), topics: [topic] });
    await plain.ensureTopics();
    created.push(topic.name);
    await plain.connect();

    await using tls = createPublisher({ ...connection(), topics: [topic], ssl: { rejectUnauthorized: false } });
    const error = await tls.connect().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error, 'a TLS publisher connected to a plain-text listener').toBeDefined();
    expect(isKbusError(error, 'TOPIC_NOT_FOUND')).toBe(false);
    expect(String(error)).toMatch(/TLS|SSL|secure/i);
  }, 90_000);
});
