import { readFileSync } from 'node:fs';
import type { SaslOptions, TlsOptions } from '@kbus/transport';
import { UsageError } from './errors.ts';

/** The values of KAFKA_SECURITY_PROTOCOL / --security-protocol (librdkafka's and Java's names). */
const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
/** The values of KAFKA_SASL_MECHANISM / --sasl-mechanism the CLI can use (a password mechanism). */
const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;

type Protocol = (typeof SECURITY_PROTOCOLS)[number];
type Mechanism = (typeof SASL_MECHANISMS)[number];

/**
 * One setting as found, and where: `from` names the flag, variable or config key, so that a
 * message can say which one to fix without repeating the value (it may be a secret).
 */
export interface Found {
  readonly value: string;
  readonly from: string;
}

/** The Kafka security settings as found in flags, environment and config file. */
export interface SecuritySettings {
  readonly protocol?: Found | undefined;
  readonly mechanism?: Found | undefined;
  readonly username?: Found | undefined;
  /** The password itself (from KAFKA_SASL_PASSWORD or the config file). */
  readonly password?: Found | undefined;
  /** A file holding the password (--sasl-password-file, sasl.passwordFile). */
  readonly passwordFile?: Found | undefined;
  readonly caLocation?: Found | undefined;
  readonly certificateLocation?: Found | undefined;
  readonly keyLocation?: Found | undefined;
  readonly keyPassword?: Found | undefined;
}

/** What `createKafkaClient` takes besides the brokers. */
export interface KafkaSecurity {
  readonly ssl?: true | TlsOptions;
  readonly sasl?: SaslOptions;
}

const OTHER_MECHANISMS: Readonly<Record<string, string>> = {
  OAUTHBEARER: 'OAUTHBEARER needs a token provider, which the CLI has none of; use the SDK (sasl.token) or SCRAM',
  GSSAPI: 'GSSAPI (Kerberos) is not supported by the SDK',
  AWS_MSK_IAM: 'MSK IAM goes through OAUTHBEARER in the SDK, which the CLI cannot do; use SCRAM',
};

function oneOf<T extends string>(found: Found, allowed: readonly T[]): T {
  const value = found.value.trim().toUpperCase();
  if ((allowed as readonly string[]).includes(value)) return value as T;
  const why = OTHER_MECHANISMS[value];
  throw new UsageError(
    `${found.from} must be one of ${allowed.join(', ')}, not ${JSON.stringify(found.value)}${why ? ` (${why})` : ''}`,
  );
}

/** Reads a file a setting names; a message names the setting and the path, never the content. */
export function readSettingFile(found: Found): string {
  try {
    return readFileSync(found.value, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`cannot read the file ${found.from} names (${found.value}): ${code}`);
  }
}

/** A secret read from a file: one line, the line end dropped. */
function readSecretFile(found: Found): string {
  return readSettingFile(found).replace(/\r?\n$/, '');
}

function refuseAll(found: ReadonlyArray<Found | undefined>, why: (from: string) => string): void {
  const first = found.find((f) => f !== undefined);
  if (first) throw new UsageError(why(first.from));
}

/**
 * The SDK's `ssl`/`sasl` options for these settings; combinations that cannot work are
 * usage errors naming the setting to change. Without a protocol the connection is PLAINTEXT.
 */
export function kafkaSecurity(settings: SecuritySettings): KafkaSecurity {
  const protocolFound = settings.protocol;
  const protocol: Protocol = protocolFound ? oneOf(protocolFound, SECURITY_PROTOCOLS) : 'PLAINTEXT';
  const named = protocolFound
    ? `the security protocol is ${protocol} (${protocolFound.from})`
    : 'no security protocol is set (PLAINTEXT)';
  const usesSasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const { mechanism, username, password, passwordFile } = settings;
  const { caLocation, certificateLocation, keyLocation, keyPassword } = settings;

  if (!usesSasl) {
    refuseAll(
      [mechanism, username, password, passwordFile],
      (from) =>
        `${from} is set but ${named}, which does not use SASL: set --security-protocol SASL_SSL (or KAFKA_SECURITY_PROTOCOL), or leave the SASL settings out`,
    );
  }
  if (!usesTls) {
    refuseAll(
      [caLocation, certificateLocation, keyLocation, keyPassword],
      (from) =>
        `${from} is set but ${named}, which does not use TLS: set --security-protocol SSL or SASL_SSL (or KAFKA_SECURITY_PROTOCOL), or leave the TLS settings out`,
    );
  }

  let sasl: SaslOptions | undefined;
  if (usesSasl) {
    if (!mechanism) {
      throw new UsageError(
        `${named} but no SASL mechanism: pass --sasl-mechanism or set KAFKA_SASL_MECHANISM (${SASL_MECHANISMS.join(', ')})`,
      );
    }
    const chosen: Mechanism = oneOf(mechanism, SASL_MECHANISMS);
    if (!username?.value) {
      throw new UsageError(`SASL ${chosen} needs a user name: pass --sasl-username or set KAFKA_SASL_USERNAME`);
    }
    if (password && passwordFile) {
      throw new UsageError(`both ${password.from} and ${passwordFile.from} give the SASL password: keep one`);
    }
    const secret = passwordFile ? readSecretFile(passwordFile) : password?.value;
    if (secret === undefined || secret === '') {
      throw new UsageError(
        `SASL ${chosen} needs a password: set KAFKA_SASL_PASSWORD, or pass --sasl-password-file <file>`,
      );
    }
    sasl = {
      mechanism: chosen.toLowerCase() as 'plain' | 'scram-sha-256' | 'scram-sha-512',
      username: username.value,
      password: secret,
    };
  }

  let ssl: true | TlsOptions | undefined;
  if (usesTls) {
    if (certificateLocation && !keyLocation) {
      throw new UsageError(`${certificateLocation.from} is set without the client key: also pass --ssl-key`);
    }
    if (keyLocation && !certificateLocation) {
      throw new UsageError(`${keyLocation.from} is set without the client certificate: also pass --ssl-cert`);
    }
    if (keyPassword && !keyLocation) {
      throw new UsageError(`${keyPassword.from} is set without a client key (--ssl-key)`);
    }
    const tls: TlsOptions = {
      ...(caLocation ? { ca: readSettingFile(caLocation) } : {}),
      ...(certificateLocation ? { cert: readSettingFile(certificateLocation) } : {}),
      ...(keyLocation ? { key: readSettingFile(keyLocation) } : {}),
      ...(keyPassword ? { passphrase: keyPassword.value } : {}),
    };
    ssl = Object.keys(tls).length > 0 ? tls : true;
  }
  return { ...(ssl ? { ssl } : {}), ...(sasl ? { sasl } : {}) };
}
