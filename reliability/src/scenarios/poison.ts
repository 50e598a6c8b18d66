import { randomBytes } from 'node:crypto';
import { createEnvelope, createSerde, defineTopic } from '@kbus/core';
import { avroType } from '@kbus/core/internal';
import { createPublisher } from '@kbus/publisher';
import { createSubscriber, notRetriable, readDeadLetter } from '@kbus/subscriber';
import { readTopic, testStack, uniqueName } from '@kbus/testkit';
import { createKafkaClient, partitionForKey } from '@kbus/transport';
import { groupReachesEnd, now, producerSettings, Step } from '../harness.ts';
import { countBy, type ScenarioResult } from '../result.ts';

/**
 * Bad input of every kind, between valid events, from producers that do not use the SDK:
 * each must reach the dead-letter topic with its reason while the partition keeps flowing
 * and the process never crashes.
 */
export async function poison(validEvents: number): Promise<ScenarioResult> {
  const started = now();
  const stack = testStack();
  const connection = { brokers: stack.brokers, registry: { url: stack.registryUrl } };
  // The source topic accepts 3 MB records; its dead-letter topic keeps the 1 MB default.
  const topic = defineTopic({
    name: uniqueName('rel-poison'),
    events: [Step],
    partitions: 3,
    replicationFactor: 3,
    config: { 'max.message.bytes': '3145728' },
  });
  await using publisher = createPublisher({
    ...connection,
    ...producerSettings(),
    topics: [topic],
    clientId: 'reliability-poison',
  });
  await publisher.ensureTopics();
  const serde = createSerde({ registry: { url: stack.registryUrl } });
  const valid = await serde.encode(
    topic,
    Step,
    createEnvelope(Step, { key: 'k', seq: 0, email: 'k@example.com' }, { source: 'x' }),
  );
  const schemaId = valid.readInt32BE(1);

  // A payload that is valid Avro for the registered schema but breaks the zod rules (an
  // untyped producer with the right schema and a wrong e-mail address).
  const envelopeType = avroType(Step.envelopeSchema);
  const invalid = createEnvelope(Step, { key: 'k', seq: 0, email: 'k@example.com' }, { source: 'untyped' });
  const badBody = envelopeType.toBuffer({ ...invalid, payload: { key: 'untyped', seq: 1, email: 'not-an-e-mail' } });
  const header = (id: number, magic = 0) => {
    const h = Buffer.alloc(5);
    h[0] = magic;
    h.writeInt32BE(id, 1);
    return h;
  };
  const kinds: Record<string, Buffer> = {
    'random bytes': Buffer.concat([Buffer.from([0x9c]), randomBytes(200)]),
    'truncated Avro': valid.subarray(0, valid.length - 7),
    'unknown schema id': Buffer.concat([header(987_654_321), valid.subarray(5)]),
    'wrong magic byte': Buffer.concat([header(schemaId, 1), valid.subarray(5)]),
    'oversized record (2.5 MB)': Buffer.concat([Buffer.from([0x7b]), randomBytes(2_500_000)]),
    'payload violating the schema': Buffer.concat([header(schemaId), badBody]),
    'empty value': Buffer.alloc(0),
  };

  let crashes = 0;
  const onCrash = () => {
    crashes++;
  };
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  const handled: string[] = [];
  const groupId = uniqueName('rel-poison');
  const explodeKey = 'explode';
  await using subscriber = createSubscriber({
    ...connection,
    groupId,
    topics: [topic],
    retry: { attempts: 3, initialDelayMs: 20 },
    handlers: {
      'reliability.step': (event) => {
        if (event.payload.key === explodeKey) {
          throw event.payload.seq % 2 === 0
            ? new Error('handler bug: cannot read property of undefined')
            : notRetriable('business rule refuses this event');
        }
        handled.push(event.id);
      },
    },
  });
  await subscriber.start();

  const raw = createKafkaClient({ brokers: stack.brokers, clientId: 'legacy-producer' });
  const producer = raw.producer({ idempotent: true });
  await producer.connect();
  const sent: string[] = [];
  const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
  let seq = 0;
  for (let round = 0; round < validEvents / 10; round++) {
    await publisher.publishMany(
      keys.map((key) => ({ event: Step, payload: { key, seq: seq++, email: `${key}@example.com` } })),
    );
    if (round % 5 === 0) {
      await publisher.publish(Step, { key: explodeKey, seq: round, email: 'x@example.com' });
      sent.push(
        round % 2 === 0 ? 'handler exception (retried, then dead-lettered)' : 'handler rejection (not retriable)',
      );
    }
    const [kind, value] = Object.entries(kinds)[round % Object.keys(kinds).length] as [string, Buffer];
    const key = `bad-${round}`;
    await producer.send([{ topic: topic.name, records: [{ key, value, partition: partitionForKey(key, 3) }] }]);
    sent.push(kind);
  }
  await producer.disconnect();

  const atEnd = await groupReachesEnd(groupId, topic.name, 240_000);
  const dlt = await readTopic(`${topic.name}.dlt`, { minRecords: sent.length, timeoutMs: 120_000 }).catch(() => []);
  const reasons = dlt.map((r) => readDeadLetter(r));
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
  const byCode = countBy(reasons, (r) => r.errorCode ?? 'none');
  const omitted = dlt.filter((r) => r.headers['kbus_dlt-value-omitted'] !== undefined).length;
  const validSent = seq + 0;
  return {
    id: 'poison',
    title: '5. Poison and bad input',
    description:
      'Between valid events, a producer that does not use the SDK writes random bytes, truncated Avro, an unknown schema id, a wrong magic byte, ' +
      'a 2.5 MB record (too large for the dead-letter topic), valid Avro that breaks the zod rules, and empty values; some valid events make the handler throw.',
    published: validSent + sent.length,
    acknowledged: validSent + sent.length,
    handled: handled.length,
    lost: validSent - new Set(handled).size,
    duplicatedInLog: 0,
    duplicatesHandled: handled.length - new Set(handled).size,
    outOfOrder: 0,
    errorsToCallers: 0,
    errorCodes: {},
    recoveryMs: [],
    durationMs: now() - started,
    notes: [
      `bad records sent: ${Object.entries(countBy(sent, (s) => s))
        .map(([k, n]) => `${k} ×${n}`)
        .join(', ')}`,
      `dead-letter reasons: ${Object.entries(byCode)
        .map(([k, n]) => `${k} ×${n}`)
        .join(', ')}`,
      `${omitted} dead letter(s) carry no value (the 2.5 MB record; header kbus_dlt-value-omitted), the original stays at its offset`,
    ],
    checks: [
      {
        name: 'every bad record is in the dead-letter topic with a reason',
        ok: dlt.length === sent.length && reasons.every((r) => r.errorCode && r.message),
      },
      { name: 'every valid event handled', ok: new Set(handled).size === validSent },
      { name: 'the partitions kept flowing: committed offsets = end offsets', ok: atEnd },
      {
        name: 'the process never crashed (no uncaught exception or rejection)',
        ok: crashes === 0 && subscriber.health().state === 'running',
      },
    ],
  };
}
