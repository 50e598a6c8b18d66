import { channels, createSerde, EVENT_HEADERS, type RecordOutcomeMessage } from '@kbus/core';
import { committedOffsets, readTopic, testStack, uniqueName, waitFor, waitForGroupAtEnd } from '@kbus/testkit';
import { describe, expect, it } from 'vitest';
import { createSubscriber, DLT_HEADERS, notRetriable, readDeadLetter, redrive, resetOffsets } from '../src/index.ts';
import { connection, counterTopic, keysOf, Tick } from './fixtures.ts';

function perKeySequences(handled: ReadonlyArray<{ key: string; seq: number }>) {
  const byKey = new Map<string, number[]>();
  for (const { key, seq } of handled) byKey.set(key, [...(byKey.get(key) ?? []), seq]);
  return byKey;
}

describe('subscriber against the real broker and registry', () => {
  it('hands every event to its handler in order per key, commits to the end, counts ignored types', async () => {
    await using fixture = await counterTopic(3);
    const keys = keysOf(12);
    await fixture.publishTicks(keys, 20);
    await fixture.publisher.publish(
      // Ignored type: committed and counted, never handled.
      (await import('./fixtures.ts')).Note,
      { key: 'key-1', text: 'hello' },
    );
    const handled: Array<{ key: string; seq: number; partition: number }> = [];
    const groupId = uniqueName('basic');
    await using subscriber = createSubscriber({
      ...connection(),
      groupId,
      topics: [fixture.topic],
      handlers: {
        'counter.ticked': async (event, context) => {
          expect(event.type).toBe('counter.ticked');
          expect(context.key).toBe(event.payload.key);
          handled.push({ key: event.payload.key, seq: event.payload.seq, partition: context.partition });
        },
      },
      ignore: ['counter.noted'],
    });
    await subscriber.start();
    expect(subscriber.health()).toMatchObject({ state: 'running', connected: true });
    await waitForGroupAtEnd(groupId, fixture.topic.name);
    expect(handled).toHaveLength(240);
    for (const key of keys) expect(perKeySequences(handled).get(key)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(subscriber.stats()).toMatchObject({ handled: 240, skipped: 1, deadLettered: 0 });
    expect((await subscriber.lag()).every((l) => l.lag === 0)).toBe(true);
  });

  it('recognises ignored types without a ce_type header (a producer sending none), and dead-letters only unhandled ones', async () => {
    await using fixture = await counterTopic(1, 'bare');
    const { createPublisher } = await import('@kbus/publisher');
    await using bare = createPublisher({ ...connection(), topics: [fixture.topic], clientId: 'bare', headers: 'none' });
    const { Note } = await import('./fixtures.ts');
    await bare.publish(Tick, { key: 'k', seq: 0 });
    await bare.publish(Note, { key: 'k', text: 'ignored' });
    await bare.publish(Tick, { key: 'k', seq: 1 });
    const log = await readTopic(fixture.topic.name, { minRecords: 3 });
    expect(log.map((r) => r.headers)).toEqual([{}, {}, {}]);

    const handled: number[] = [];
    const groupId = uniqueName('bare');
    await using subscriber = createSubscriber({
      ...connection(),
      groupId,
      topics: [fixture.topic],
      handlers: { 'counter.ticked': ({ payload }) => void handled.push(payload.seq) },
      ignore: ['counter.noted'],
      unhandled: 'dead-letter',
    });
    await subscriber.start();
    await waitForGroupAtEnd(groupId, fixture.topic.name);
    expect(handled).toEqual([0, 1]);
    expect(subscriber.stats()).toMatchObject({ handled: 2, skipped: 1, deadLettered: 0 });
  });

  it('retries transient failures in order, dead-letters permanent ones and poison bytes, and keeps the partition flowing', async () => {
    await using fixture = await counterTopic(1, 'failures');
    const { publisher, topic } = fixture;
    await publisher.publish(Tick, { key: 'k', seq: 0 });
    await publisher.publish(Tick, { key: 'k', seq: 1, fail: 'twice' });
    await publisher.publish(Tick, { key: 'k', seq: 2, fail: 'always' });
    // Poison: bytes that are not an envelope, written by a client that does not use the SDK.
    const raw = await (await import('@kbus/testkit')).kafkaClients();
    const producer = await raw.producer();
    await producer.send({
      topic: topic.name,
      messages: [{ key: 'k', value: Buffer.from('not avro at all'), partition: 0 }],
    });
    await raw[Symbol.asyncDispose]();
    await publisher.publish(Tick, { key: 'k', seq: 3 });

    const attempts = new Map<number, number>();
    const handled: number[] = [];
    const outcomes: RecordOutcomeMessage[] = [];
    const groupId = uniqueName('failures');
    const onRecord = (m: unknown) => {
      if ((m as RecordOutcomeMessage).groupId === groupId) outcomes.push(m as RecordOutcomeMessage);
    };
    channels.record.subscribe(onRecord);
    try {
      await using subscriber = createSubscriber({
        ...connection(),
        groupId,
        topics: [topic],
        retry: { attempts: 4, initialDelayMs: 20, maxDelayMs: 100 },
        handlers: {
          'counter.ticked': async ({ payload }) => {
            const attempt = (attempts.get(payload.seq) ?? 0) + 1;
            attempts.set(payload.seq, attempt);
            if (payload.fail === 'twice' && attempt <= 2) throw new Error(`flaky ${attempt}`);
            if (payload.fail === 'always') throw notRetriable(`seq ${payload.seq} can never be handled`);
            handled.push(payload.seq);
          },
        },
      });
      await subscriber.start();
      await waitForGroupAtEnd(groupId, topic.name);
      expect(handled).toEqual([0, 1, 3]);
      expect(attempts.get(1)).toBe(3);
      expect(attempts.get(2)).toBe(1);
      expect(subscriber.stats()).toMatchObject({ handled: 3, deadLettered: 2, retried: 2 });
    } finally {
      channels.record.unsubscribe(onRecord);
    }
    expect(outcomes.filter((o) => o.outcome === 'retried').map((o) => o.attempt)).toEqual([1, 2]);

    const dlt = await readTopic(`${topic.name}.dlt`, { minRecords: 2 });
    expect(dlt).toHaveLength(2);
    const [permanent, poison] = dlt.map((r) => ({ record: r, info: readDeadLetter({ headers: r.headers }) }));
    expect(permanent?.info).toMatchObject({
      originalTopic: topic.name,
      originalPartition: 0,
      originalOffset: '2',
      consumerGroup: groupId,
      errorCode: 'HANDLER_FAILED',
      exceptionClass: 'KbusError',
      message: 'seq 2 can never be handled',
      attempts: 1,
    });
    expect(permanent?.info.stacktrace).toContain('KbusError');
    expect(permanent?.record.headers[EVENT_HEADERS.type]).toBe('counter.ticked');
    expect(permanent?.record.key?.toString()).toBe('k');
    // The value is the original bytes: it still decodes.
    const serde = createSerde({ registry: { url: testStack().registryUrl } });
    expect((await serde.decode(topic, permanent?.record.value)).envelope.payload).toEqual({
      key: 'k',
      seq: 2,
      fail: 'always',
    });
    expect(poison?.info).toMatchObject({ originalOffset: '3', errorCode: 'BAD_MAGIC_BYTE', attempts: 1 });
    expect(poison?.record.value?.toString()).toBe('not avro at all');
    expect(poison?.record.headers[DLT_HEADERS.originalTimestamp]).toMatch(/^\d+$/);

    // Redrive: the fixed record goes back to its topic and a new group handles it.
    const result = await redrive({
      brokers: connection().brokers,
      deadLetterTopic: `${topic.name}.dlt`,
      filter: (_r, info) => info.errorCode === 'HANDLER_FAILED',
    });
    expect(result).toEqual({ redriven: 1, passedOver: 1 });
    expect(await redrive({ brokers: connection().brokers, deadLetterTopic: `${topic.name}.dlt` })).toEqual({
      redriven: 0,
      passedOver: 0,
    });
    const back = await readTopic(topic.name, { minRecords: 6 });
    const redriven = back.at(-1);
    expect(redriven?.headers['kbus_redriven-from']).toBe(`${topic.name}.dlt/0/0`);
    expect(redriven?.headers[DLT_HEADERS.exceptionMessage]).toBeUndefined();
    expect(((await serde.decode(topic, redriven?.value)).envelope.payload as { seq: number }).seq).toBe(2);
  });

  it('bounds a hanging handler: its signal aborts, the attempt times out, is retried, then dead-lettered; the partition flows on', async () => {
    await using fixture = await counterTopic(1, 'timeouts');
    const { publisher, topic } = fixture;
    await publisher.publish(Tick, { key: 'k', seq: 0 });
    await publisher.publish(Tick, { key: 'k', seq: 1, fail: 'always' });
    await publisher.publish(Tick, { key: 'k', seq: 2 });
    const handled: number[] = [];
    const aborted: Array<{ seq: number; attempt: number; reason: unknown }> = [];
    const groupId = uniqueName('timeouts');
    await using subscriber = createSubscriber({
      ...connection(),
      groupId,
      topics: [topic],
      handlerTimeoutMs: 300,
      retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 10 },
      handlers: {
        'counter.ticked': async ({ payload }, context) => {
          if (payload.fail === 'always') {
            // Never finishes by itself (ignores everything but its signal).
            const { signal, attempt } = context;
            await new Promise<void>((resolve) => {
              signal.addEventListener('abort', () => {
                aborted.push({ seq: payload.seq, attempt, reason: signal.reason });
                resolve();
              });
            });
            return;
          }
          handled.push(payload.seq);
        },
      },
    });
    await subscriber.start();
    await waitForGroupAtEnd(groupId, topic.name);
    expect(handled).toEqual([0, 2]);
    expect(aborted.map(({ seq, attempt }) => ({ seq, attempt }))).toEqual([
      { seq: 1, attempt: 1 },
      { seq: 1, attempt: 2 },
    ]);
    expect(aborted[0]?.reason).toMatchObject({ code: 'TIMEOUT', retriable: true });
    expect(subscriber.stats()).toMatchObject({ handled: 2, retried: 1, deadLettered: 1 });
    const [dead] = await readTopic(`${topic.name}.dlt`, { minRecords: 1 });
    expect(readDeadLetter({ headers: dead?.headers ?? {} })).toMatchObject({
      originalOffset: '1',
      errorCode: 'TIMEOUT',
      attempts: 2,
    });
  });

  it('per-key concurrency: handlers of different keys overlap while each key stays in order', async () => {
    await using fixture = await counterTopic(1, 'perkey');
    const keys = keysOf(8);
    await fixture.publishTicks(keys, 10);
    const groupId = uniqueName('perkey');
    let running = 0;
    let maxRunning = 0;
    const perKeyRunning = new Map<string, number>();
    let perKeyOverlap = false;
    const handled: Array<{ key: string; seq: number }> = [];
    await using subscriber = createSubscriber({
      ...connection(),
      groupId,
      topics: [fixture.topic],
      concurrency: { perKey: 8 },
      handlers: {
        'counter.ticked': async ({ payload }) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          perKeyRunning.set(payload.key, (perKeyRunning.get(payload.key) ?? 0) + 1);
          if ((perKeyRunning.get(payload.key) ?? 0) > 1) perKeyOverlap = true;
          // Simulated I/O.
          await new Promise((resolve) => setTimeout(resolve, 5));
          handled.push({ key: payload.key, seq: payload.seq });
          perKeyRunning.set(payload.key, (perKeyRunning.get(payload.key) ?? 1) - 1);
          running--;
        },
      },
    });
    await subscriber.start();
    await waitForGroupAtEnd(groupId, fixture.topic.name);
    expect(handled).toHaveLength(80);
    expect(maxRunning).toBeGreaterThan(1);
    expect(perKeyOverlap).toBe(false);
    for (const key of keys) expect(perKeySequences(handled).get(key)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('stop() under load returns within its timeout with offsets committed exactly at the handled records', async () => {
    await using fixture = await counterTopic(2, 'stop');
    await fixture.publishTicks(keysOf(4), 500);
    const groupId = uniqueName('stop');
    const handled = new Map<number, bigint>();
    const subscriber = createSubscriber({
      ...connection(),
      groupId,
      topics: [fixture.topic],
      shutdownTimeoutMs: 5_000,
      handlers: {
        'counter.ticked': async (_event, context) => {
          await new Promise((resolve) => setTimeout(resolve, 2));
          const next = BigInt(context.offset) + 1n;
          if (next > (handled.get(context.partition) ?? 0n)) handled.set(context.partition, next);
        },
      },
    });
    await subscriber.start();
    await waitFor(() => [...handled.values()].reduce((a, b) => a + b, 0n) > 200n, {
      description: '200 records handled',
    });
    const started = performance.now();
    await subscriber.stop();
    expect(performance.now() - started).toBeLessThan(5_000 + 2_000);
    const total = [...handled.values()].reduce((a, b) => a + b, 0n);
    expect(total).toBeLessThan(2000n);
    const committed = await committedOffsets(groupId, fixture.topic.name);
    for (const [partition, next] of handled) expect(committed.get(partition)).toBe(next.toString());
    expect(subscriber.health().state).toBe('stopped');
  });

  it('replays: a new group from the beginning, from the end, or from a point in time; reset refuses an active group', async () => {
    await using fixture = await counterTopic(2, 'replay');
    await fixture.publishTicks(['a', 'b'], 5);
    await new Promise((resolve) => setTimeout(resolve, 20)); // Distinct broker timestamps for the cut below.
    const cut = Date.now();
    await fixture.publishTicks(['c'], 3);
    const collect = async (startFrom: 'earliest' | { timestamp: number }, expected: number) => {
      const seen: string[] = [];
      await using subscriber = createSubscriber({
        ...connection(),
        groupId: uniqueName('replay'),
        topics: [fixture.topic],
        startFrom,
        handlers: { 'counter.ticked': ({ payload }) => void seen.push(`${payload.key}${payload.seq}`) },
      });
      await subscriber.start();
      await waitFor(() => seen.length >= expected, { description: `${expected} events` });
      return seen.sort();
    };
    expect(await collect('earliest', 13)).toHaveLength(13);
    expect(await collect({ timestamp: cut }, 3)).toEqual(['c0', 'c1', 'c2']);

    // From the end: only what is published after the group's first fetch.
    const fromEnd: string[] = [];
    await using latest = createSubscriber({
      ...connection(),
      groupId: uniqueName('replay-latest'),
      topics: [fixture.topic],
      startFrom: 'latest',
      handlers: { 'counter.ticked': ({ payload }) => void fromEnd.push(`${payload.key}${payload.seq}`) },
    });
    await latest.start();
    await waitFor(() => latest.health().lastPollAt !== undefined, { description: 'the first fetch' });
    await fixture.publisher.publish(Tick, { key: 'd', seq: 0 });
    await waitFor(() => fromEnd.length >= 1, { description: 'the new event' });
    expect(fromEnd).toEqual(['d0']);

    const groupId = uniqueName('reset');
    const seen: string[] = [];
    const subscriber = createSubscriber({
      ...connection(),
      groupId,
      topics: [fixture.topic],
      handlers: { 'counter.ticked': ({ payload }) => void seen.push(`${payload.key}${payload.seq}`) },
    });
    await subscriber.start();
    await waitForGroupAtEnd(groupId, fixture.topic.name);
    await expect(
      resetOffsets({ ...connection(), groupId, topics: [fixture.topic], to: 'earliest' }),
    ).rejects.toMatchObject({
      code: 'GROUP_ACTIVE',
    });
    await subscriber.stop();
    const moved = await resetOffsets({ ...connection(), groupId, topics: [fixture.topic], to: { timestamp: cut } });
    expect(moved.reduce((n, m) => n + Number(m.offset), 0)).toBe(10);
    const again: string[] = [];
    await using second = createSubscriber({
      ...connection(),
      groupId,
      topics: [fixture.topic],
      handlers: { 'counter.ticked': ({ payload }) => void again.push(`${payload.key}${payload.seq}`) },
    });
    await second.start();
    await waitFor(() => again.length >= 4, { description: 'the replayed events' });
    expect(again.sort()).toEqual(['c0', 'c1', 'c2', 'd0']);
  });

  it('fails at start-up when misconfigured, saying what to change', () => {
    expect(() =>
      createSubscriber({
        ...connection(),
        groupId: 'g',
        topics: [],
        handlers: {},
      }),
    ).toThrow(/declare the topics/);
  });
});
