import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ConnectionFlags, registryOptions, resolveConnection } from '../src/config.ts';

// How flags, variables and the config file become the SDK's ssl/sasl/registry options.
const dir = mkdtempSync(join(tmpdir(), 'kbus-cli-security-'));
const at = (name: string, content: string) => {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
};
const CA = at('ca.pem', '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n');
const CERT = at('cert.pem', 'CERT');
const KEY = at('key.pem', 'KEY');
const SECRET = 's3cr:et-Zq9';
const PASSWORD_FILE = at('password', `${SECRET}\n`);

function resolve(flags: ConnectionFlags, env: Record<string, string>) {
  // A named config file must exist: write an empty one unless the test gives its own.
  return resolveConnection({ config: at('empty.json', '{}'), ...flags }, env);
}

const SASL_SSL = {
  KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
  KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
  KAFKA_SASL_USERNAME: 'svc',
  KAFKA_SASL_PASSWORD: SECRET,
  KAFKA_SSL_CA_LOCATION: CA,
};

describe('Kafka security settings', () => {
  it('maps SASL_SSL with SCRAM to ssl (the CA read from its file) and sasl', () => {
    expect(resolve({}, SASL_SSL).kafka).toEqual({
      ssl: { ca: '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n' },
      sasl: { mechanism: 'scram-sha-512', username: 'svc', password: SECRET },
    });
  });

  it('is PLAINTEXT without settings; SSL alone trusts the system CAs; SASL_PLAINTEXT has no TLS', () => {
    expect(resolve({}, {}).kafka).toEqual({});
    expect(resolve({ 'security-protocol': 'ssl' }, {}).kafka).toEqual({ ssl: true });
    const plain = resolve({}, { ...SASL_SSL, KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SSL_CA_LOCATION: '' });
    expect(plain.kafka).toEqual({ sasl: { mechanism: 'scram-sha-512', username: 'svc', password: SECRET } });
  });

  it('reads a client certificate and key for mTLS, with the key passphrase', () => {
    const env = { KAFKA_SSL_KEY_PASSWORD: 'pass' };
    const flags = { 'security-protocol': 'SSL', 'ssl-cert': CERT, 'ssl-key': KEY } as const;
    expect(resolve(flags, env).kafka).toEqual({ ssl: { cert: 'CERT', key: 'KEY', passphrase: 'pass' } });
  });

  it('prefers a flag over the variable, and the variable over the config file', () => {
    const config = at(
      'layers.json',
      JSON.stringify({
        securityProtocol: 'SASL_SSL',
        sasl: { mechanism: 'PLAIN', username: 'from-file', password: 'file-password' },
        ssl: { caLocation: 'ca.pem' },
      }),
    );
    expect(resolveConnection({ config }, {}).kafka).toEqual({
      ssl: { ca: expect.stringContaining('CA') },
      sasl: { mechanism: 'plain', username: 'from-file', password: 'file-password' },
    });
    const env = { KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256', KAFKA_SASL_USERNAME: 'from-env' };
    expect(resolveConnection({ config }, env).kafka.sasl).toEqual({
      mechanism: 'scram-sha-256',
      username: 'from-env',
      password: 'file-password',
    });
    const flags = { config, 'sasl-username': 'from-flag', 'sasl-password-file': PASSWORD_FILE };
    expect(resolveConnection(flags, { ...env, KAFKA_SASL_PASSWORD: 'env-password' }).kafka.sasl).toEqual({
      mechanism: 'scram-sha-256',
      username: 'from-flag',
      password: SECRET,
    });
  });

  it('refuses contradictions and never repeats a secret in the message', () => {
    const cases: Array<[ConnectionFlags, Record<string, string>, RegExp]> = [
      [{}, { ...SASL_SSL, KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT' }, /does not use SASL/],
      [{ 'security-protocol': 'SASL_SSL' }, { KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: SECRET }, /no SASL/],
      [{}, { ...SASL_SSL, KAFKA_SASL_USERNAME: '' }, /needs a user name/],
      [{ 'sasl-mechanism': 'GSSAPI' }, SASL_SSL, /--sasl-mechanism must be one of .*Kerberos/],
      [{ 'security-protocol': 'SASL_PLAINTEXT' }, SASL_SSL, /KAFKA_SSL_CA_LOCATION is set .* does not use TLS/],
      [{ 'ssl-key': KEY }, SASL_SSL, /--ssl-key is set without the client certificate/],
      [{}, { ...SASL_SSL, KAFKA_SSL_KEY_PASSWORD: SECRET }, /KAFKA_SSL_KEY_PASSWORD is set without a client key/],
      [{}, { SCHEMA_REGISTRY_USERNAME: 'u' }, /SCHEMA_REGISTRY_USERNAME is set without its pair/],
      [{}, { SCHEMA_REGISTRY_PASSWORD: SECRET }, /SCHEMA_REGISTRY_PASSWORD is set without its pair/],
    ];
    for (const [flags, env, message] of cases) {
      let thrown: unknown;
      try {
        resolve(flags, env);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, String(message)).toBeInstanceOf(Error);
      expect((thrown as Error).message).toMatch(message);
      expect((thrown as Error).message).not.toContain(SECRET);
    }
  });

  it('does not quote a config file that is not JSON (the text may hold a password)', () => {
    // A password left unquoted: JSON.parse's own message would quote the text around it.
    const config = at('broken.json', '{"sasl": {"password": hunter2}}');
    expect(() => resolveConnection({ config }, {})).toThrow(/is not valid JSON/);
    expect(() => resolveConnection({ config }, {})).not.toThrow(/hunter/);
  });

  it('refuses a config file with both a password and a password file', () => {
    const config = at(
      'both.json',
      JSON.stringify({
        securityProtocol: 'SASL_SSL',
        sasl: { mechanism: 'PLAIN', username: 'u', password: SECRET, passwordFile: 'password' },
      }),
    );
    expect(() => resolveConnection({ config }, {})).toThrow(/give the SASL password: keep one/);
  });
});

describe('registry security settings', () => {
  it('splits SCHEMA_REGISTRY_USER_INFO at the first colon and reads the CA', () => {
    const env = {
      SCHEMA_REGISTRY_URL: 'https://registry:8081',
      SCHEMA_REGISTRY_USER_INFO: `reg:${SECRET}`,
      SCHEMA_REGISTRY_CA_LOCATION: CA,
    };
    expect(registryOptions(resolve({}, env))).toEqual({
      url: 'https://registry:8081',
      auth: { username: 'reg', password: SECRET },
      tls: { ca: expect.stringContaining('CA') },
    });
  });

  it('takes the registry from the config file with userInfo and a CA relative to the file', () => {
    const config = at(
      'registry.json',
      JSON.stringify({ registry: { url: 'https://r', userInfo: 'a:b', caLocation: 'ca.pem' } }),
    );
    expect(registryOptions(resolveConnection({ config }, {}))).toEqual({
      url: 'https://r',
      auth: { username: 'a', password: 'b' },
      tls: { ca: expect.stringContaining('CA') },
    });
  });
});
