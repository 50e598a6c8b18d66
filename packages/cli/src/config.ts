import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from './errors.ts';

/** Where the CLI finds Kafka and the schema registry. */
export interface Connection {
  readonly brokers: readonly string[] | undefined;
  readonly registryUrl: string | undefined;
  readonly registryAuth: { readonly username: string; readonly password: string } | undefined;
}

/** The config file's shape: every key optional. */
interface ConfigFile {
  brokers?: string | string[];
  registry?: string | { url?: string; username?: string; password?: string };
}

/** The config file used when --config is not given (if it exists in the working directory). */
const DEFAULT_CONFIG_FILE = 'kbus.config.json';

function readConfigFile(path: string, explicit: boolean): ConfigFile {
  const file = resolve(path);
  if (!existsSync(file)) {
    if (explicit) throw new UsageError(`config file ${file} does not exist`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`config file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError(
      `config file ${file} must hold a JSON object like {"brokers": ["host:9092"], "registry": "http://…"}`,
    );
  }
  return parsed as ConfigFile;
}

function brokerList(value: string | readonly string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const list = (typeof value === 'string' ? value.split(',') : [...value]).map((b) => b.trim()).filter(Boolean);
  return list.length > 0 ? list : undefined;
}

/**
 * Connection settings: a flag wins over the environment (`KAFKA_BROKERS`,
 * `SCHEMA_REGISTRY_URL`, `SCHEMA_REGISTRY_USERNAME`/`_PASSWORD`), which wins over the config
 * file (`--config`, `KBUS_CONFIG`, or `./kbus.config.json`).
 */
export function resolveConnection(
  flags: { brokers?: string | undefined; registry?: string | undefined; config?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): Connection {
  const configPath = flags.config ?? env.KBUS_CONFIG;
  const file = readConfigFile(configPath ?? DEFAULT_CONFIG_FILE, configPath !== undefined);
  const fileRegistry = typeof file.registry === 'string' ? { url: file.registry } : (file.registry ?? {});
  const username = env.SCHEMA_REGISTRY_USERNAME ?? fileRegistry.username;
  const password = env.SCHEMA_REGISTRY_PASSWORD ?? fileRegistry.password;
  return {
    brokers: brokerList(flags.brokers) ?? brokerList(env.KAFKA_BROKERS) ?? brokerList(file.brokers),
    registryUrl: flags.registry ?? env.SCHEMA_REGISTRY_URL ?? fileRegistry.url,
    registryAuth: username !== undefined && password !== undefined ? { username, password } : undefined,
  };
}

export function requireBrokers(connection: Connection): readonly string[] {
  if (!connection.brokers) {
    throw new UsageError(
      `no Kafka brokers: pass --brokers host:port[,host:port], set KAFKA_BROKERS, or put "brokers" in ${DEFAULT_CONFIG_FILE}`,
    );
  }
  return connection.brokers;
}

export function requireRegistry(connection: Connection): {
  url: string;
  auth?: { username: string; password: string };
} {
  if (!connection.registryUrl) {
    throw new UsageError(
      `no schema registry: pass --registry <url>, set SCHEMA_REGISTRY_URL, or put "registry" in ${DEFAULT_CONFIG_FILE}`,
    );
  }
  return { url: connection.registryUrl, ...(connection.registryAuth ? { auth: { ...connection.registryAuth } } : {}) };
}
