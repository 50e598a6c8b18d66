import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deleteSubjects, uniqueName } from '@kbus/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kbus, NODENEXT_TS, requireBuiltCli, SCHEMAS_ALIAS } from './support.ts';

const topic = uniqueName('cli-schemas');
const env = { KBUS_FIXTURE_TOPIC: topic };
const compiledDir = fileURLToPath(new URL('./fixtures/nodenext/dist/', import.meta.url));
const compiled = `${compiledDir}contracts.js`;

beforeAll(() => {
  requireBuiltCli();
  // The compiled form of the same contracts, as a service's build would emit it.
  const tsc = fileURLToPath(new URL('../../../node_modules/.bin/tsc', import.meta.url));
  execFileSync(tsc, [
    '--ignoreConfig',
    '--outDir',
    compiledDir,
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--target',
    'es2023',
    '--skipLibCheck',
    '--types',
    'node',
    NODENEXT_TS,
  ]);
});

afterAll(async () => {
  rmSync(compiledDir, { recursive: true, force: true });
  await deleteSubjects((s) => s.startsWith(topic));
});

describe('kbus schemas (and the kbus-schemas alias)', () => {
  it.each([
    ['a .ts module whose relative imports end in .js', NODENEXT_TS],
    ['its compiled .js form', compiled],
  ])('loads %s', async (_, module) => {
    const printed = await kbus(['schemas', 'print', module, '--json'], { env });
    expect(printed.stderr).toBe('');
    expect(printed.code).toBe(0);
    expect(printed.lines.map((l) => [l.topic, l.type, l.record])).toEqual([
      [topic, 'order.placed', 'com.example.shop.OrderPlaced'],
      [topic, 'order.cancelled', 'com.example.shop.OrderCancelled'],
    ]);
  });

  it('checks, registers, then rejects a breaking change with exit 1 naming field and rule', async () => {
    const before = await kbus(['schemas', 'check', NODENEXT_TS, '--json'], { env });
    expect(before.code).toBe(0);
    expect(before.lines.every((l) => l.compatible === true)).toBe(true);

    const registered = await kbus(['schemas', 'register', compiled, '--json'], { env });
    expect(registered.code).toBe(0);
    expect(registered.lines.filter((l) => 'registered' in l).map((l) => l.registered)).toEqual([
      `${topic}-com.example.shop.OrderPlaced`,
      `${topic}-com.example.shop.OrderCancelled`,
    ]);

    const compatible = await kbus(['schemas', 'check', NODENEXT_TS], {
      env: { ...env, KBUS_FIXTURE_STATE: 'compatible' },
    });
    expect(compatible.code).toBe(0);
    expect(compatible.stdout).toMatch(/^ok {4}.*OrderPlaced \(BACKWARD; registered versions: 1\)/m);

    const breaking = await kbus(['schemas', 'check', NODENEXT_TS], { env: { ...env, KBUS_FIXTURE_STATE: 'breaking' } });
    expect(breaking.code).toBe(1);
    expect(breaking.stdout).toMatch(/^FAIL {2}.*OrderPlaced \(BACKWARD\)/m);
    expect(breaking.stdout).toContain('READER_FIELD_MISSING_DEFAULT_VALUE at payload.currency');

    // The old bin, same commands.
    const alias = await kbus(['check', compiled], { env, bin: SCHEMAS_ALIAS });
    expect(alias.code).toBe(0);
    expect(alias.stdout).toMatch(/^ok {4}.*OrderPlaced \(BACKWARD; registered versions: 1\)/m);
    const aliasBreaking = await kbus(['check', NODENEXT_TS], {
      env: { ...env, KBUS_FIXTURE_STATE: 'breaking' },
      bin: SCHEMAS_ALIAS,
    });
    expect(aliasBreaking.code).toBe(1);
  });

  it('exits 2 with usage for a missing module, an unknown level or no registry', async () => {
    expect((await kbus(['schemas', 'check'])).code).toBe(2);
    expect((await kbus(['check'], { bin: SCHEMAS_ALIAS })).code).toBe(2);
    const level = await kbus(['schemas', 'check', NODENEXT_TS, '--level', 'SIDEWAYS'], { env });
    expect(level.code).toBe(2);
    expect(level.stderr).toContain('unknown --level SIDEWAYS');
    const noRegistry = await kbus(['schemas', 'check', NODENEXT_TS], { env: { ...env, SCHEMA_REGISTRY_URL: '' } });
    expect(noRegistry.code).toBe(2);
    expect(noRegistry.stderr).toContain('no schema registry');
  });
});
