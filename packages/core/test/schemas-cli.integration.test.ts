import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { deleteSubjects, testStack, uniqueName } from '@kbus/testkit';
import { afterAll, describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../src/cli/schemas.ts', import.meta.url));
const contracts = fileURLToPath(new URL('./fixtures/account-contracts.ts', import.meta.url));
const topic = uniqueName('schemas-cli');

afterAll(async () => {
  await deleteSubjects((s) => s.startsWith(topic));
});

function run(command: string, state: string) {
  const result = spawnSync(process.execPath, [cli, command, contracts], {
    encoding: 'utf8',
    env: {
      ...process.env,
      KBUS_FIXTURE_TOPIC: topic,
      KBUS_FIXTURE_STATE: state,
      SCHEMA_REGISTRY_URL: testStack().registryUrl,
    },
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('kbus-schemas, the CI gate for schema evolution', () => {
  it('registers, accepts a compatible change and rejects a breaking one naming field and rule', () => {
    const registered = run('register', 'v1');
    expect(registered.output).toMatch(/registered .*com\.acme\.auth\.UserAccountCreated as schema id \d+/);
    expect(registered.code).toBe(0);

    const compatible = run('check', 'v2-compatible');
    expect(compatible.output).toMatch(/^ok {4}.*UserAccountCreated \(BACKWARD; registered versions: 1\)/m);
    expect(compatible.code).toBe(0);

    const breaking = run('check', 'v2-breaking');
    expect(breaking.code).toBe(1);
    expect(breaking.output).toContain('FAIL');
    expect(breaking.output).toContain('READER_FIELD_MISSING_DEFAULT_VALUE at payload.tenant');
    expect(breaking.output).toContain('make the field optional');
  });

  it('fails with usage (exit 2) when given nothing to check', () => {
    expect(run('check', 'v1').code).toBe(0);
    const result = spawnSync(process.execPath, [cli, 'check'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stdout).toContain('usage: kbus-schemas');
  });
});
