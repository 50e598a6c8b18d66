import { homedir } from 'node:os';
import { join } from 'node:path';

/** Kafka versions the stack knows how to assemble from Maven Central. */
export const DEFAULT_KAFKA_VERSION = '4.3.1';
/** The 3.x line kept for compatibility checks (KIP-896 removed old protocols in 4.0). */
export const LEGACY_KAFKA_VERSION = '3.9.2';

/** Apicurio 3.x needs Java 21+; 2.6 runs on Java 17 and is the fallback. */
export const REGISTRY_VERSION = '3.3.3';
export const REGISTRY_FALLBACK_VERSION = '2.6.13.Final';

export interface StackOptions {
  /** 1 (default) or 3 KRaft nodes, each broker and controller. */
  readonly brokers: 1 | 3;
  readonly kafkaVersion: string;
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

export function stackPaths(env: NodeJS.ProcessEnv = process.env): StackPaths {
  const home = env.KBUS_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kbus');
  const run = join(home, 'stack');
  return {
    cache: home,
    run,
    logs: join(run, 'logs'),
    data: join(run, 'data'),
    stateFile: join(run, 'state.json'),
    lockDir: join(home, 'stack.lock'),
  };
}

/** Node N listens for clients on N9092 and for the controller quorum on N9093. */
export function brokerPort(nodeId: number): number {
  return nodeId * 10000 + 9092;
}

export function controllerPort(nodeId: number): number {
  return nodeId * 10000 + 9093;
}

export const REGISTRY_PORT = 18081;
export const REGISTRY_MANAGEMENT_PORT = 18091;
export const REGISTRY_PATH = '/apis/ccompat/v7';

export function brokerList(brokers: number): string[] {
  return Array.from({ length: brokers }, (_, i) => `127.0.0.1:${brokerPort(i + 1)}`);
}

export function registryUrl(): string {
  return `http://127.0.0.1:${REGISTRY_PORT}${REGISTRY_PATH}`;
}

/** Bounds for every wait the stack makes; none of them is open-ended. */
export const TIMEOUTS = {
  brokerReadyMs: 120_000,
  registryReadyMs: 120_000,
  stopMs: 15_000,
  lockMs: 300_000,
} as const;
