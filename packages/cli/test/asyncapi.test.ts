import { readFileSync } from 'node:fs';
import specs from '@asyncapi/specs';
import { userAccountTopic } from '@kbus-examples/contracts';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AVRO_SCHEMA_FORMAT, asyncApiDocument } from '../src/index.ts';

/**
 * The official AsyncAPI 3.0.0 JSON schema (with its Avro schema and Kafka binding
 * definitions). It embeds a copy of the JSON Schema draft-07 meta-schema, which Ajv already
 * has under the same id: the copy is left out.
 */
function asyncApiValidator() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const schema = structuredClone(specs.schemas['3.0.0']) as { definitions: Record<string, unknown> };
  delete schema.definitions['http://json-schema.org/draft-07/schema'];
  return ajv.compile(schema);
}

describe('asyncApiDocument', () => {
  const document = asyncApiDocument([userAccountTopic()], { title: 'test', version: '1.0.0' });

  it('validates against the official AsyncAPI 3.0 JSON schema', () => {
    const validate = asyncApiValidator();
    expect(validate(document), JSON.stringify(validate.errors?.slice(0, 5), null, 2)).toBe(true);
  });

  it('is rejected by that schema when broken (the check is real)', () => {
    const validate = asyncApiValidator();
    const broken = structuredClone(document) as { channels: Record<string, { address: unknown }> };
    (broken.channels['auth.user-account'] as { address: unknown }).address = 42;
    expect(validate(broken)).toBe(false);
    const badAvro = structuredClone(document) as unknown as {
      components: { schemas: Record<string, { schema: { type: string } }> };
    };
    const first = Object.values(badAvro.components.schemas)[0];
    if (first) first.schema.type = 'no-such-avro-type';
    expect(validate(badAvro)).toBe(false);
    const badBinding = structuredClone(document) as unknown as {
      channels: Record<string, { bindings: { kafka: { partitions: number } } }>;
    };
    (
      badBinding.channels['auth.user-account'] as { bindings: { kafka: { partitions: number } } }
    ).bindings.kafka.partitions = 0;
    expect(validate(badBinding)).toBe(false);
  });

  it('has a channel per topic with Kafka bindings, one Avro message per event type, and the dead-letter channel', () => {
    const topic = userAccountTopic();
    expect(document.channels['auth.user-account']).toMatchObject({
      address: 'auth.user-account',
      bindings: { kafka: { topic: 'auth.user-account', partitions: 6 } },
    });
    expect(document.channels['auth.user-account.dlt']).toMatchObject({ address: 'auth.user-account.dlt' });
    const messages = document.components.messages as Record<string, Record<string, unknown>>;
    const schemas = document.components.schemas as Record<string, { schemaFormat: string; schema: unknown }>;
    for (const event of topic.events) {
      const message = messages[event.type];
      expect(message).toMatchObject({
        name: event.type,
        payload: { $ref: `#/components/schemas/${event.fullName}` },
        bindings: {
          kafka: { schemaIdLocation: 'payload', schemaIdPayloadEncoding: 'confluent', key: { type: 'string' } },
        },
        'x-kbus-subject': `auth.user-account-${event.fullName}`,
      });
      expect(schemas[event.fullName]).toEqual({ schemaFormat: AVRO_SCHEMA_FORMAT, schema: event.envelopeSchema });
      expect(messages[`${event.type}.dead-letter`]).toMatchObject({
        payload: { $ref: `#/components/schemas/${event.fullName}` },
      });
    }
  });
});

describe('docs/asyncapi.yaml, the example catalogue', () => {
  const committed = parse(readFileSync(new URL('../../../docs/asyncapi.yaml', import.meta.url), 'utf8'));

  it('validates against the AsyncAPI 3.0 JSON schema', () => {
    const validate = asyncApiValidator();
    expect(validate(committed), JSON.stringify(validate.errors?.slice(0, 5), null, 2)).toBe(true);
  });

  it('describes the example contracts as they are now', () => {
    const current = asyncApiDocument([userAccountTopic()], {
      title: committed.info.title,
      version: committed.info.version,
      description: committed.info.description,
    });
    expect(
      committed,
      'docs/asyncapi.yaml is out of date: regenerate it with `npm run build && npm run -s docs:asyncapi` and commit it',
    ).toEqual(JSON.parse(JSON.stringify(current)));
  });
});
