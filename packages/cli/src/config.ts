import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { RegistryOptions } from '@kbus/core';
import { UsageError } from './errors.ts';
import { type Found, type KafkaSecurity, kafkaSecurity, readSettingFile } from './security.ts';

/** Where the CLI finds Kafka and the schema registry, and how it authenticates to them. */
export interface Connection {
  readonly brokers: readonly string[] | undefined;
  /** `ssl` and `sasl` for the Kafka client (empty for PLAINTEXT). */
  readonly kafka: KafkaSecurity;
  readonly registryUrl: string | undefined;
  readonly registryAuth: { readonly username: string; readonly password: string } | undefined;
  /** The CA the registry's certificate is checked against (PEM text). */
  readonly registryCa: string | undefined;
}

/** A connection without any setting, for commands that do not connect. */
export const NO_CONNECTION: Connection = {
  brokers: undefined,
  kafka: {},
  registryUrl: undefined,
  registryAuth: undefined,
  registryCa: undefined,
};

/** The connection flags as parsed (all strings; absent when not given). */
export interface ConnectionFlags {
  readonly brokers?: string | undefined;
  readonly registry?: string | undefined;
  readonly config?: string | undefined;
  readonly 'security-protocol'?: string | undefined;
  readonly 'sasl-mechanism'?: string | undefined;
  readonly 'sasl-username'?: string | undefined;
  readonly 'sasl-password-file'?: string | undefined;
  readonly 'ssl-ca'?: string | undefined;
  readonly 'ssl-cert'?: string | undefined;
  readonly 'ssl-key'?: string | undefined;
  readonly 'registry-ca'?: string | undefined;
}

/** The config file's shape: every key optional; file locations are relative to the file. */
interface ConfigFile {
  brokers?: string | string[];
  securityProtocol?: string;
  sasl?: { mechanism?: string; username?: string; password?: string; passwordFile?: string };
  ssl?: { caLocation?: string; certificateLocation?: string; keyLocation?: string; keyPassword?: string };
  registry?: string | { url?: string; username?: string; password?: string; userInfo?: string; caLocation?: string };
}

/** The config file used when --config is not given (if it exists in the working directory). */
const DEFAULT_CONFIG_FILE = 'kbus.config.json';

function readConfigFile(path: string, explicit: boolean): { file: ConfigFile; at: string } {
  const file = resolve(path);
  if (!existsSync(file)) {
    if (explicit) throw new UsageError(`config file ${file} does not exist`);
    return { file: {}, at: file };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    // JSON.parse's message quotes the text near the fault, which may be a password.
    const where = /position \d+(?: \(line \d+ column \d+\))?/.exec((error as Error).message)?.[0];
    throw new UsageError(`config file ${file} is not valid JSON${where ? ` (at ${where})` : ''}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError(
      `config file ${file} must hold a JSON object like {"brokers": ["host:9092"], "registry": "http://…"}`,
    );
  }
  return { file: parsed as ConfigFile, at: file };
}

function brokerList(value: string | readonly string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const list = (typeof value === 'string' ? value.split(',') : [...value]).map((b) => b.trim()).filter(Boolean);
  return list.length > 0 ? list : undefined;
}

/** Looks a setting up in flag, environment and config file, in that order; empty counts as unset. */
class Lookup {
  private readonly flags: ConnectionFlags;
  private readonly env: NodeJS.ProcessEnv;
  private readonly file: ConfigFile;
  private readonly fileAt: string;

  constructor(flags: ConnectionFlags, env: NodeJS.ProcessEnv, file: ConfigFile, fileAt: string) {
    this.flags = flags;
    this.env = env;
    this.file = file;
    this.fileAt = fileAt;
  }

  flag(name: keyof ConnectionFlags): Found | undefined {
    const value = this.flags[name];
    return value ? { value, from: `--${name}` } : undefined;
  }

  variable(name: string): Found | undefined {
    const value = this.env[name];
    return value ? { value, from: name } : undefined;
  }

  /** `path` like `sasl.username`; `location` resolves the value against the file's folder. */
  fileKey(path: string, location = false): Found | undefined {
    let value: unknown = this.file;
    for (const part of path.split('.')) {
      value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
    }
    if (value === undefined || value === null || value === '') return undefined;
    const from = `"${path}" in ${this.fileAt}`;
    if (typeof value !== 'string') throw new UsageError(`${from} must be a string`);
    return { value: location ? resolve(dirname(this.fileAt), value) : value, from };
  }

  first(...candidates: Array<Found | undefined>): Found | undefined {
    return candidates.find((c) => c !== undefined);
  }
}

function registryCredentials(look: Lookup): Connection['registryAuth'] {
  const userInfo = look.first(look.variable('SCHEMA_REGISTRY_USER_INFO'), look.fileKey('registry.userInfo'));
  if (userInfo) {
    const colon = userInfo.value.indexOf(':');
    if (colon < 1) throw new UsageError(`${userInfo.from} must be user:password`);
    return { username: userInfo.value.slice(0, colon), password: userInfo.value.slice(colon + 1) };
  }
  const fromEnv = [look.variable('SCHEMA_REGISTRY_USERNAME'), look.variable('SCHEMA_REGISTRY_PASSWORD')] as const;
  const fromFile = [look.fileKey('registry.username'), look.fileKey('registry.password')] as const;
  for (const [username, password] of [fromEnv, fromFile]) {
    if (username && password) return { username: username.value, password: password.value };
    const alone = username ?? password;
    if (alone) throw new UsageError(`${alone.from} is set without its pair: registry basic auth needs both`);
  }
  return undefined;
}

/**
 * Connection settings: a flag wins over the environment (`KAFKA_BROKERS`,
 * `SCHEMA_REGISTRY_URL`, the security variables of issue 18), which wins over the config
 * file (`--config`, `KBUS_CONFIG`, or `./kbus.config.json`). Files named by `*_LOCATION`
 * settings are read here; any contradiction is a UsageError.
 */
export function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Connection {
  const configPath = flags.config ?? env.KBUS_CONFIG;
  const { file, at } = readConfigFile(configPath ?? DEFAULT_CONFIG_FILE, configPath !== undefined);
  const look = new Lookup(flags, env, file, at);
  const kafka = kafkaSecurity({
    protocol: look.first(
      look.flag('security-protocol'),
      look.variable('KAFKA_SECURITY_PROTOCOL'),
      look.fileKey('securityProtocol'),
    ),
    mechanism: look.first(
      look.flag('sasl-mechanism'),
      look.variable('KAFKA_SASL_MECHANISM'),
      look.fileKey('sasl.mechanism'),
    ),
    username: look.first(
      look.flag('sasl-username'),
      look.variable('KAFKA_SASL_USERNAME'),
      look.fileKey('sasl.username'),
    ),
    // A password file given as a flag wins over the variable; the file's own keys come last.
    ...passwordSettings(look),
    caLocation: look.first(
      look.flag('ssl-ca'),
      look.variable('KAFKA_SSL_CA_LOCATION'),
      look.fileKey('ssl.caLocation', true),
    ),
    certificateLocation: look.first(
      look.flag('ssl-cert'),
      look.variable('KAFKA_SSL_CERTIFICATE_LOCATION'),
      look.fileKey('ssl.certificateLocation', true),
    ),
    keyLocation: look.first(
      look.flag('ssl-key'),
      look.variable('KAFKA_SSL_KEY_LOCATION'),
      look.fileKey('ssl.keyLocation', true),
    ),
    keyPassword: look.first(look.variable('KAFKA_SSL_KEY_PASSWORD'), look.fileKey('ssl.keyPassword')),
  });
  const registryUrl = look.first(
    look.flag('registry'),
    look.variable('SCHEMA_REGISTRY_URL'),
    typeof file.registry === 'string'
      ? { value: file.registry, from: `"registry" in ${at}` }
      : look.fileKey('registry.url'),
  );
  const registryCaFound = look.first(
    look.flag('registry-ca'),
    look.variable('SCHEMA_REGISTRY_CA_LOCATION'),
    look.fileKey('registry.caLocation', true),
  );
  if (registryCaFound && registryUrl && !/^https:/i.test(registryUrl.value)) {
    throw new UsageError(
      `${registryCaFound.from} is set but the registry URL (${registryUrl.from}) is not https://: use the registry's https:// URL`,
    );
  }
  return {
    brokers: brokerList(flags.brokers) ?? brokerList(env.KAFKA_BROKERS) ?? brokerList(file.brokers),
    kafka,
    registryUrl: registryUrl?.value,
    registryAuth: registryCredentials(look),
    registryCa: registryCaFound ? readSettingFile(registryCaFound) : undefined,
  };
}

/** The SASL password: a file from the flag, else the variable, else the config file's password or file. */
function passwordSettings(look: Lookup): { password?: Found; passwordFile?: Found } {
  const flagFile = look.flag('sasl-password-file');
  if (flagFile) return { passwordFile: flagFile };
  const variable = look.variable('KAFKA_SASL_PASSWORD');
  if (variable) return { password: variable };
  const inFile = look.fileKey('sasl.password');
  const fileOfFile = look.fileKey('sasl.passwordFile', true);
  return { ...(inFile ? { password: inFile } : {}), ...(fileOfFile ? { passwordFile: fileOfFile } : {}) };
}

export function requireBrokers(connection: Connection): readonly string[] {
  if (!connection.brokers) {
    throw new UsageError(
      `no Kafka brokers: pass --brokers host:port[,host:port], set KAFKA_BROKERS, or put "brokers" in ${DEFAULT_CONFIG_FILE}`,
    );
  }
  return connection.brokers;
}

/** The registry's options, when a registry URL is known. */
export function registryOptions(connection: Connection): RegistryOptions | undefined {
  if (!connection.registryUrl) return undefined;
  return {
    url: connection.registryUrl,
    ...(connection.registryAuth ? { auth: { ...connection.registryAuth } } : {}),
    ...(connection.registryCa ? { tls: { ca: connection.registryCa } } : {}),
  };
}

export function requireRegistry(connection: Connection): RegistryOptions {
  const options = registryOptions(connection);
  if (!options) {
    throw new UsageError(
      `no schema registry: pass --registry <url>, set SCHEMA_REGISTRY_URL, or put "registry" in ${DEFAULT_CONFIG_FILE}`,
    );
  }
  return options;
}
