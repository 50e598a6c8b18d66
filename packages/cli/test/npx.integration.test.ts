import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { testStack } from '@kbus/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { requireBuiltCli } from './support.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
// npm from PATH, run by the repo's Node (node_modules/.bin first).
const npm = 'npm';
const project = mkdtempSync(join(tmpdir(), 'kbus-cli-npx-'));

afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('npx kbus in a project that installed @kbus/cli', () => {
  it('runs the installed bins, kbus and kbus-schemas, also on a .ts contracts module', async () => {
    requireBuiltCli();
    const tarballs = join(project, 'tarballs');
    mkdirSync(tarballs);
    const env = { ...process.env, PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH}` };
    for (const name of ['core', 'transport', 'subscriber', 'publisher', 'cli']) {
      await run(npm, ['pack', '--silent', '--pack-destination', tarballs, '-w', `@kbus/${name}`], { cwd: root, env });
    }
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
    await run(
      npm,
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        ...readdirSync(tarballs).map((t) => `./tarballs/${t}`),
      ],
      { cwd: project, env, timeout: 240_000 },
    );
    const help = await run(npm, ['exec', '--no', '--', 'kbus', '--help'], { cwd: project, env });
    expect(help.stdout).toContain('usage: kbus <command>');
    const groups = await run(npm, ['exec', '--no', '--', 'kbus', 'groups', 'ls', '--json'], {
      cwd: project,
      env: { ...env, KAFKA_BROKERS: testStack().brokers.join(',') },
    });
    expect(
      groups.stdout
        .split('\n')
        .filter(Boolean)
        .every((l) => 'group' in JSON.parse(l)),
    ).toBe(true);
    for (const file of ['contracts.ts', 'ids.ts']) {
      copyFileSync(fileURLToPath(new URL(`./fixtures/nodenext/${file}`, import.meta.url)), join(project, file));
    }
    const printed = await run(npm, ['exec', '--no', '--', 'kbus-schemas', 'print', 'contracts.ts', '--json'], {
      cwd: project,
      env,
    });
    expect(
      printed.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).type),
    ).toEqual(['order.placed', 'order.cancelled']);
  }, 300_000);
});
