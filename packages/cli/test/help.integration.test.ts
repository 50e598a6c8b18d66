import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/main.ts';
import { kbus, requireBuiltCli } from './support.ts';

describe('kbus --help and usage errors', () => {
  it('lists every command, the connection settings and the exit codes', async () => {
    requireBuiltCli();
    const run = await kbus(['--help']);
    expect(run.code).toBe(0);
    for (const command of COMMANDS) expect(run.stdout).toContain(`  ${command.name} `);
    expect(run.stdout).toContain('KAFKA_BROKERS');
    expect(run.stdout).toContain('SCHEMA_REGISTRY_URL');
    // The security variables of issue 18, as `stack -- up --secure` prints them.
    for (const variable of [
      'KAFKA_SECURITY_PROTOCOL',
      'KAFKA_SASL_MECHANISM',
      'KAFKA_SASL_USERNAME',
      'KAFKA_SASL_PASSWORD',
      'KAFKA_SSL_CA_LOCATION',
      'KAFKA_SSL_CERTIFICATE_LOCATION',
      'KAFKA_SSL_KEY_LOCATION',
      'SCHEMA_REGISTRY_USER_INFO',
      'SCHEMA_REGISTRY_CA_LOCATION',
    ]) {
      expect(run.stdout).toContain(variable);
    }
    expect(run.stdout).toContain('exit codes: 0 ok, 1');
    expect(run.stdout).toContain('examples:');
  });

  it.each(COMMANDS.map((c) => [c.name]))('kbus %s --help lists its flags and an example', async (name) => {
    const run = await kbus([...name.split(' '), '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`usage: kbus ${name}`);
    expect(run.stdout).toMatch(/^flags:\n(?: {2}.+\n)+/m);
    expect(run.stdout).toContain('--json');
    if (COMMANDS.find((c) => c.name === name)?.connects) {
      for (const flag of [
        '--security-protocol',
        '--sasl-mechanism',
        '--sasl-password-file',
        '--ssl-ca',
        '--registry-ca',
      ]) {
        expect(run.stdout).toContain(flag);
      }
      expect(run.stdout).not.toMatch(/--sasl-password(?!-file)/);
    }
    expect(run.stdout).toMatch(new RegExp(`^examples:\\n {2}kbus ${name}( |$)`, 'm'));
  });

  it('has executable bins after the build, so `npx kbus` runs in this repository too', async () => {
    const { accessSync, constants } = await import('node:fs');
    const { CLI, SCHEMAS_ALIAS } = await import('./support.ts');
    for (const bin of [CLI, SCHEMAS_ALIAS]) expect(() => accessSync(bin, constants.X_OK)).not.toThrow();
  });

  it('exits 2 for an unknown command, subcommand or flag, and for nothing at all', async () => {
    expect((await kbus([])).code).toBe(2);
    const unknown = await kbus(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const sub = await kbus(['groups', 'shuffle']);
    expect(sub.code).toBe(2);
    expect(sub.stderr).toContain('unknown subcommand shuffle');
    const flag = await kbus(['groups', 'ls', '--colour']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("Unknown option '--colour'");
  });

  it('takes the connection from a config file when neither flag nor environment gives it', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { testStack } = await import('@kbus/testkit');
    const dir = mkdtempSync(join(tmpdir(), 'kbus-cli-config-'));
    const file = join(dir, 'kbus.config.json');
    writeFileSync(file, JSON.stringify({ brokers: testStack().brokers }));
    const viaFile = await kbus(['groups', 'ls', '--config', file, '--json'], { env: { KAFKA_BROKERS: '' } });
    expect(viaFile.code).toBe(0);
    const none = await kbus(['groups', 'ls'], { env: { KAFKA_BROKERS: '' } });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no Kafka brokers');
  });
});
