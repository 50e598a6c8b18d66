import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RegistryClient } from '@kbus/core/internal';
import { deleteSubjects, testStack, uniqueName } from '@kbus/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kbus, requireBuiltCli } from './support.ts';

const exampleContracts = fileURLToPath(new URL('../../../examples/contracts/src/index.ts', import.meta.url));
const catalogue = fileURLToPath(new URL('../../../docs/asyncapi.yaml', import.meta.url));
const copy = fileURLToPath(new URL('./fixtures/user-account-copy.ts', import.meta.url));
const topic = uniqueName('cli-asyncapi');

beforeAll(() => requireBuiltCli());
afterAll(async () => {
  await deleteSubjects((s) => s.startsWith(topic));
});

describe('kbus asyncapi', () => {
  it('writes the committed example catalogue, in YAML and JSON', async () => {
    const committed = parse(readFileSync(catalogue, 'utf8'));
    const args = [
      '--title',
      committed.info.title,
      '--version',
      committed.info.version,
      '--description',
      committed.info.description,
    ];
    const yaml = await kbus(['asyncapi', exampleContracts, ...args]);
    expect(yaml.code).toBe(0);
    expect(yaml.stdout, 'docs/asyncapi.yaml is out of date: npm run build && npm run -s docs:asyncapi').toBe(
      readFileSync(catalogue, 'utf8'),
    );
    const json = await kbus(['asyncapi', exampleContracts, ...args, '--format', 'json']);
    expect(JSON.parse(json.stdout)).toEqual(committed);
  });

  it('carries the Avro schemas the registry holds once they are registered', async () => {
    const env = { KBUS_FIXTURE_TOPIC: topic };
    const document = JSON.parse((await kbus(['asyncapi', copy, '--format', 'json'], { env })).stdout) as {
      components: {
        messages: Record<string, { payload: { $ref?: string }; 'x-kbus-subject'?: string }>;
        schemas: Record<string, { schema: unknown }>;
      };
    };
    expect((await kbus(['schemas', 'register', copy], { env })).code).toBe(0);
    const registry = new RegistryClient({ url: testStack().registryUrl });
    const subjects = Object.values(document.components.messages).filter((m) => m['x-kbus-subject']);
    expect(subjects).toHaveLength(5);
    for (const message of subjects) {
      const versions = await registry.versions(message['x-kbus-subject'] as string);
      expect(versions).toHaveLength(1);
      const name = message.payload.$ref?.replace('#/components/schemas/', '') as string;
      expect(JSON.parse(versions[0]?.schema as string)).toEqual(document.components.schemas[name]?.schema);
    }
  });

  it('exits 2 for an unknown format or a module without topics', async () => {
    expect((await kbus(['asyncapi', exampleContracts, '--format', 'xml'])).code).toBe(2);
    const none = await kbus(['asyncapi', fileURLToPath(new URL('./support.ts', import.meta.url))]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('exports no topic');
  });
});
