import { homedir } from 'node:os';
import { join } from 'node:path';

/** Kafka versions the stack knows how to assemble from Maven Central. */
export const DEFAULT_KAFKA_VERSION = '4.3.1';
/** The 3.x line kept for compatibility checks (KIP-896 removed old protocols in 4.0). */
export const LEGACY_KAFKA_VERSION = '3.9.2';

/** Apicurio 3.x needs Java 21+; 2.6 runs on Java 17 and is the fallback. */
export const REGISTRY_VERSION = '3.3.3';
export const REGISTRY_FALLBACK_VERSION = '2.6.13.Final';

/**
 * `plain`: one PLAINTEXT listener and an open registry. `secure`: SASL_SSL and mTLS listeners
 * only, ACLs, and the registry behind TLS and basic auth; it has its own folder and ports, so
 * both can run at once.
 */
export type StackVariant = 'plain' | 'secure';

/** The secured stack's ports are the plain stack's plus this. */
const SECURE_PORT_SHIFT = 300;

export interface StackOptions {
  /** 1 (default) or 3 KRaft nodes, each broker and controller. */
  readonly brokers: 1 | 3;
  readonly kafkaVersion: string;
  readonly variant: StackVariant;
}

export interface StackPaths {
  /** Downloads and unpacked distributions, kept between runs. */
  readonly cache: string;
  /** Runtime state of the one running stack: pids, logs, data. */
  readonly run: string;
  readonly logs: string;
  readonly data: string;
  readonly stateFile: string;
  readonly lockDir: string;
}

/**
 * Downloads live in KBUS_HOME (default ~/.cache/kbus); the running stack's state, logs and
 * data in KBUS_STACK_DIR (default KBUS_HOME/stack). A second, independent stack needs its
 * own KBUS_STACK_DIR and KBUS_STACK_PORT_OFFSET.
 */
export function stackPaths(env: NodeJS.ProcessEnv = process.env, variant: StackVariant = 'plain'): StackPaths {
  const home = env.KBUS_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kbus');
  const plain = env.KBUS_STACK_DIR ?? join(home, 'stack');
  const run = variant === 'secure' ? `${plain}-secure` : plain;
  return {
    cache: home,
    run,
    logs: join(run, 'logs'),
    data: join(run, 'data'),
    stateFile: join(run, 'state.json'),
    lockDir: `${run}.lock`,
  };
}

/** Added to every port of the stack (KBUS_STACK_PORT_OFFSET, default 0; the secured stack adds SECURE_PORT_SHIFT). */
function portOffset(variant: StackVariant): number {
  const offset = Number(process.env.KBUS_STACK_PORT_OFFSET ?? 0);
  const base = Number.isInteger(offset) && offset >= 0 && offset < 9000 ? offset : 0;
  return base + (variant === 'secure' ? SECURE_PORT_SHIFT : 0);
}

/**
 * Node N listens for clients on N9092 (SASL_SSL on the secured stack), for the controller
 * quorum on N9093 and, on the secured stack, for mTLS clients on N9095 (plus the offset).
 */
export function brokerPort(nodeId: number, variant: StackVariant = 'plain'): number {
  return nodeId * 10000 + 9092 + portOffset(variant);
}

export function controllerPort(nodeId: number, variant: StackVariant = 'plain'): number {
  return nodeId * 10000 + 9093 + portOffset(variant);
}

export function mtlsPort(nodeId: number, variant: StackVariant = 'secure'): number {
  return nodeId * 10000 + 9095 + portOffset(variant);
}

/** The registry's own HTTP port (on the secured stack only its TLS front is advertised). */
export function registryPort(variant: StackVariant = 'plain'): number {
  return 18081 + portOffset(variant);
}

export function registryManagementPort(variant: StackVariant = 'plain'): number {
  return 18091 + portOffset(variant);
}

/** The secured stack's TLS + basic-auth front of the registry. */
export function registryTlsPort(variant: StackVariant = 'secure'): number {
  return 18443 + portOffset(variant);
}

/** The secured stack's second registry front, which takes a bearer token instead of basic auth. */
export function registryBearerPort(variant: StackVariant = 'secure'): number {
  return 18444 + portOffset(variant);
}

export const REGISTRY_PATH = '/apis/ccompat/v7';

export function brokerList(brokers: number, variant: StackVariant = 'plain'): string[] {
  return Array.from({ length: brokers }, (_, i) => `127.0.0.1:${brokerPort(i + 1, variant)}`);
}

export function mtlsBrokerList(brokers: number, variant: StackVariant = 'secure'): string[] {
  return Array.from({ length: brokers }, (_, i) => `127.0.0.1:${mtlsPort(i + 1, variant)}`);
}

export function registryUrl(variant: StackVariant = 'plain'): string {
  return variant === 'secure'
    ? `https://127.0.0.1:${registryTlsPort(variant)}${REGISTRY_PATH}`
    : `http://127.0.0.1:${registryPort(variant)}${REGISTRY_PATH}`;
}

/** Bounds for every wait the stack makes; none of them is open-ended. */
export const TIMEOUTS = {
  brokerReadyMs: 120_000,
  registryReadyMs: 120_000,
  stopMs: 15_000,
  lockMs: 300_000,
} as const;
