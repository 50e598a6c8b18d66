import { deleteSubjects, startRegistryProxy, testStack, uniqueName } from '@kbus/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  assertCompatible,
  checkTopicCompatibility,
  createEnvelope,
  createSerde,
  decimal,
  defineEvent,
  defineTopic,
  isKbusError,
} from '../src/index.ts';
import { RegistryClient } from '../src/internal.ts';
import { decodeWithApacheAvroJava } from './interop/apache-avro-java.ts';

// Every subject this file registers starts with this prefix; they are deleted afterwards.
const prefix = uniqueName('serde');
afterAll(async () => {
  await deleteSubjects((s) => s.startsWith(prefix));
});

const NS = 'com.acme.kitchen';

const KitchenSink = defineEvent({
  type: 'kitchen-sink.recorded',
  version: 1,
  namespace: NS,
  description: 'Every construct the zod → Avro mapping supports',
  schema: z.object({
    id: z.uuid(),
    name: z.string().describe('Display name'),
    count: z.int(),
    small: z.int32(),
    ratio: z.number(),
    active: z.boolean(),
    status: z.enum(['ACTIVE', 'LOCKED']),
    kind: z.literal('sink'),
    nickname: z.string().optional(),
    deletedAt: z.date().nullable(),
    tags: z.array(z.string()),
    scores: z.record(z.string(), z.number()),
    address: z.object({ city: z.string(), zip: z.string().optional() }),
    at: z.date(),
    big: z.bigint(),
    price: decimal({ precision: 12, scale: 2 }),
    method: z.discriminatedUnion('type', [
      z.object({ type: z.literal('card'), last4: z.string() }),
      z.object({ type: z.literal('iban'), iban: z.string() }),
    ]),
    level: z.int().default(1),
  }),
  aggregateId: (p) => p.id,
});

const sample = {
  id: '6c1f7a4e-4c1b-4a53-9d0e-2f0a5e2b9c11',
  name: 'Zoë 日本 😀',
  count: 2 ** 40,
  small: -7,
  ratio: 0.25,
  active: true,
  status: 'LOCKED' as const,
  kind: 'sink' as const,
  deletedAt: null,
  tags: ['a', 'b'],
  scores: { x: 1.5 },
  address: { city: 'Berlin' },
  at: new Date('2026-11-26T07:00:00.123Z'),
  big: 2n ** 62n + 7n,
  price: '1234.50',
  method: { type: 'iban' as const, iban: 'DE89370400440532013000' },
};

function topicFor<const E extends readonly Parameters<typeof defineTopic>[0]['events'][number][]>(events: E) {
  return defineTopic({ name: uniqueName(prefix), events });
}

describe('serde against the real schema registry', () => {
  it('registers, encodes and decodes every construct, in the Confluent wire format', async () => {
    const serde = createSerde({ registry: { url: testStack().registryUrl } });
    const topic = topicFor([KitchenSink]);
    const envelope = createEnvelope(KitchenSink, sample, { source: 'test' });
    const bytes = await serde.encode(topic, KitchenSink, envelope);

    const encoder = await serde.encoder(topic, KitchenSink);
    expect(bytes[0]).toBe(0);
    expect(bytes.readInt32BE(1)).toBe(encoder.schemaId);
    expect(encoder.subject).toBe(`${topic.name}-${NS}.KitchenSinkRecorded`);

    const decoded = await serde.decode(topic, bytes);
    expect(decoded.event).toBe(KitchenSink);
    expect(decoded.envelope).toEqual({ ...envelope, payload: { ...envelope.payload } });
    expect(decoded.envelope.payload.big).toBe(2n ** 62n + 7n);
    expect(decoded.envelope.payload.level).toBe(1);

    // The registry holds exactly the schema we derived.
    const registered = (await (await fetch(`${testStack().registryUrl}/schemas/ids/${encoder.schemaId}`)).json()) as {
      schema: string;
    };
    expect(JSON.parse(registered.schema)).toEqual(KitchenSink.envelopeSchema);
  });

  it('makes no registry request per message in steady state (10,000 encodes and decodes)', async () => {
    await using proxy = await startRegistryProxy();
    const serde = createSerde({ registry: { url: proxy.url } });
    const topic = topicFor([KitchenSink]);
    const envelope = createEnvelope(KitchenSink, sample, { source: 'test' });
    // Warm up: one registration, then one schema lookup by the decoder (served from the
    // encoder's registration here, so possibly none).
    await serde.decode(topic, await serde.encode(topic, KitchenSink, envelope));
    const warmUp = proxy.requests.length;
    expect(warmUp).toBeGreaterThanOrEqual(1);
    proxy.reset();

    for (let i = 0; i < 10_000; i++) {
      const bytes = await serde.encode(topic, KitchenSink, { ...envelope, aggregateId: String(i) });
      const decoded = await serde.decode(topic, bytes);
      if (decoded.envelope.aggregateId !== String(i)) throw new Error(`round trip ${i} failed`);
    }
    expect(proxy.requests).toEqual([]);

    // A second serde (another service) decoding those bytes fetches the writer schema once.
    const reader = createSerde({ registry: { url: proxy.url } });
    const bytes = await serde.encode(topic, KitchenSink, envelope);
    await Promise.all(Array.from({ length: 50 }, () => reader.decode(topic, bytes)));
    expect(proxy.requests.map((r) => `${r.method} ${r.path.replace(/\d+$/, 'ID')}`)).toEqual([
      'GET /apis/ccompat/v7/schemas/ids/ID',
    ]);
  });

  it('sends a request again when an attempt hangs, and reports a registry that never answers as unavailable', async () => {
    await using proxy = await startRegistryProxy();
    proxy.stallNext(2);
    await new RegistryClient({ url: proxy.url, attemptTimeoutMs: 300, timeoutMs: 10_000 }).ping();
    expect(proxy.requests.map((r) => `${r.method} ${r.path.replace(/^.*\//, '')}`)).toEqual([
      'GET subjects',
      'GET subjects',
      'GET subjects',
    ]);

    proxy.reset();
    proxy.stallNext(Number.MAX_SAFE_INTEGER);
    const error = await new RegistryClient({ url: proxy.url, attemptTimeoutMs: 200, timeoutMs: 1_000 }).ping().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isKbusError(error) && error.code).toBe('REGISTRY_UNAVAILABLE');
    expect(isKbusError(error) && error.retriable).toBe(true);
    expect(proxy.requests.length).toBeGreaterThanOrEqual(4);
  });

  it('shares one registration among concurrent first uses', async () => {
    await using proxy = await startRegistryProxy();
    const serde = createSerde({ registry: { url: proxy.url } });
    const topic = topicFor([KitchenSink]);
    const envelope = createEnvelope(KitchenSink, sample, { source: 'test' });
    await Promise.all(Array.from({ length: 100 }, () => serde.encode(topic, KitchenSink, envelope)));
    expect(proxy.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  describe('schema evolution', () => {
    const V1 = defineEvent({
      type: 'user-account.created',
      version: 1,
      namespace: 'com.acme.auth',
      schema: z.object({ accountId: z.uuid(), email: z.email(), referrer: z.string().default('none') }),
      aggregateId: (p) => p.accountId,
    });
    // Adds an optional field, removes a field that had a default.
    const V2 = defineEvent({
      type: 'user-account.created',
      version: 2,
      namespace: 'com.acme.auth',
      schema: z.object({ accountId: z.uuid(), email: z.email(), displayName: z.string().optional() }),
      aggregateId: (p) => p.accountId,
      previous: V1,
    });
    const accountId = '0b7c3c1e-7f38-4f0f-9a43-6a3b2f1c5d10';

    it('lets an old reader read new events and a new reader read old events', async () => {
      const name = uniqueName(prefix);
      const oldTopic = defineTopic({ name, events: [V1] });
      const newTopic = defineTopic({ name, events: [V2] });
      const oldSerde = createSerde({ registry: { url: testStack().registryUrl } });
      const newSerde = createSerde({ registry: { url: testStack().registryUrl } });

      const oldBytes = await oldSerde.encode(
        oldTopic,
        V1,
        createEnvelope(V1, { accountId, email: 'a@example.com', referrer: 'ad' }, { source: 'old' }),
      );
      expect(await checkTopicCompatibility(newSerde, newTopic)).toMatchObject([
        { compatible: true, level: 'BACKWARD' },
      ]);
      const newBytes = await newSerde.encode(
        newTopic,
        V2,
        createEnvelope(V2, { accountId, email: 'b@example.com', displayName: 'B' }, { source: 'new' }),
      );
      expect(oldBytes.readInt32BE(1)).not.toBe(newBytes.readInt32BE(1));

      const newReadsOld = await newSerde.decode(newTopic, oldBytes);
      expect(newReadsOld.envelope.payload).toEqual({ accountId, email: 'a@example.com', displayName: undefined });
      expect(newReadsOld.envelope.version).toBe(1);

      const oldReadsNew = await oldSerde.decode(oldTopic, newBytes);
      expect(oldReadsNew.envelope.payload).toEqual({ accountId, email: 'b@example.com', referrer: 'none' });
    });

    it.each([
      [
        'a type change',
        z.object({ accountId: z.uuid(), email: z.int(), referrer: z.string().default('none') }),
        'TYPE_MISMATCH at payload.email',
      ],
      [
        'a required field added without default',
        z.object({ accountId: z.uuid(), email: z.email(), referrer: z.string().default('none'), tenant: z.string() }),
        'READER_FIELD_MISSING_DEFAULT_VALUE at payload.tenant',
      ],
    ])('rejects %s with the field and the rule', async (_what, schema, expected) => {
      const name = uniqueName(prefix);
      const serde = createSerde({ registry: { url: testStack().registryUrl } });
      await serde.encode(
        defineTopic({ name, events: [V1] }),
        V1,
        createEnvelope(V1, { accountId, email: 'a@example.com' }, { source: 't' }),
      );
      const Broken = defineEvent({ type: 'user-account.created', version: 2, namespace: 'com.acme.auth', schema });
      const results = await checkTopicCompatibility(serde, defineTopic({ name, events: [Broken] }));
      expect(results[0]?.compatible).toBe(false);
      expect(() => assertCompatible(results)).toThrow(expected);
      try {
        assertCompatible(results);
      } catch (error) {
        expect(isKbusError(error, 'SCHEMA_INCOMPATIBLE')).toBe(true);
        expect((error as Error).message).toContain(`${name}-com.acme.auth.UserAccountCreated`);
      }
    });
  });

  describe('bad input gives typed errors', () => {
    it('an unknown schema id, an undeclared event type and truncated bytes', async () => {
      const serde = createSerde({ registry: { url: testStack().registryUrl } });
      const topic = topicFor([KitchenSink]);
      const bytes = await serde.encode(topic, KitchenSink, createEnvelope(KitchenSink, sample, { source: 't' }));

      const unknownId = Buffer.from(bytes);
      unknownId.writeInt32BE(2_000_000_000, 1);
      await expect(serde.decode(topic, unknownId)).rejects.toMatchObject({
        code: 'UNKNOWN_SCHEMA_ID',
        retriable: false,
      });

      const Other = defineEvent({
        type: 'other.happened',
        version: 1,
        namespace: NS,
        schema: z.object({ x: z.string() }),
      });
      const otherTopic = defineTopic({ name: topic.name, events: [Other] });
      await expect(serde.decode(otherTopic, bytes)).rejects.toMatchObject({ code: 'UNKNOWN_EVENT_TYPE' });

      await expect(serde.decode(topic, bytes.subarray(0, bytes.length - 3))).rejects.toMatchObject({
        code: 'DECODE_FAILED',
      });
      await expect(serde.decode(topic, Buffer.concat([bytes, Buffer.from([1, 2])]))).rejects.toMatchObject({
        code: 'DECODE_FAILED',
      });
    });

    it('a registry that cannot be reached is a retriable REGISTRY_UNAVAILABLE', async () => {
      const serde = createSerde({ registry: { url: 'http://127.0.0.1:1/apis/ccompat/v7', retries: 0 } });
      const topic = topicFor([KitchenSink]);
      await expect(
        serde.encode(topic, KitchenSink, createEnvelope(KitchenSink, sample, { source: 't' })),
      ).rejects.toMatchObject({
        code: 'REGISTRY_UNAVAILABLE',
        retriable: true,
      });
    });
  });

  it('is readable by Apache Avro (Java) with only the registry', async () => {
    const serde = createSerde({ registry: { url: testStack().registryUrl } });
    const topic = topicFor([KitchenSink]);
    const envelope = createEnvelope(
      KitchenSink,
      { ...sample, nickname: 'zo', deletedAt: new Date(5) },
      { source: 'interop', causationId: 'c-1' },
    );
    const bytes = await serde.encode(topic, KitchenSink, envelope);
    const [decoded, ...rest] = decodeWithApacheAvroJava(testStack().registryUrl, [bytes]);
    expect(rest).toEqual([]);
    expect(decoded?.schemaId).toBe(bytes.readInt32BE(1));
    expect(decoded?.value).toEqual({
      id: envelope.id,
      type: 'kitchen-sink.recorded',
      version: 1,
      occurredAt: { $date_ms: envelope.occurredAt.getTime() },
      source: 'interop',
      aggregateId: sample.id,
      correlationId: envelope.id,
      causationId: 'c-1',
      payload: {
        ...sample,
        nickname: 'zo',
        deletedAt: { $date_ms: 5 },
        at: { $date_ms: sample.at.getTime() },
        big: { $int: (2n ** 62n + 7n).toString() },
        price: { $decimal: '1234.50' },
        level: 1,
        address: { city: 'Berlin', zip: null },
      },
    });
    // The first run on a machine downloads Apache Avro with Maven and compiles the reader.
  }, 600_000);
});
