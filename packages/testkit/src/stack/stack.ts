import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import kafkajs, { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { ensureKafkaLibs, ensureRegistry } from './artifacts.ts';
import {
  brokerList,
  brokerPort,
  controllerPort,
  DEFAULT_KAFKA_VERSION,
  mtlsBrokerList,
  mtlsPort,
  REGISTRY_FALLBACK_VERSION,
  REGISTRY_PATH,
  REGISTRY_VERSION,
  registryBearerPort,
  registryManagementPort,
  registryPort,
  registryTlsPort,
  registryUrl,
  type StackOptions,
  type StackPaths,
  type StackVariant,
  stackPaths,
  TIMEOUTS,
} from './config.ts';
import { StackError } from './errors.ts';
import { findJavaRuntimes, javaForKafka, newestJava } from './java.ts';
import { loggingConfig, newClusterId, serverProperties } from './kafka-config.ts';
import { isOurs, logTail, type StartedProcess, startDetached, stopProcess } from './processes.ts';
import {
  brokerSecurityProperties,
  createSecureMaterial,
  findNginx,
  type SecureMaterial,
  scramFormatArgs,
  writeRegistryFront,
} from './secure.ts';

export interface StackEndpoints {
  /** Comma-separated host:port list, the value of KAFKA_BROKERS. */
  readonly kafkaBrokers: string;
  /** Base URL of the Confluent-compatible API, the value of SCHEMA_REGISTRY_URL. */
  readonly schemaRegistryUrl: string;
  /** The secured stack only: its certificates, users and mTLS listeners. */
  readonly security?: SecureEndpoints;
}

/** How to reach the secured stack (`up({ variant: 'secure' })`). */
export interface SecureEndpoints extends SecureMaterial {
  /** Comma-separated host:port list of the SSL listeners that require a client certificate. */
  readonly mtlsBrokers: string;
  /** The registry front that takes `registry.token` as a bearer token. */
  readonly registryBearerUrl: string;
}

interface StackState extends StackEndpoints {
  readonly format: 1;
  readonly variant?: StackVariant;
  readonly marker: string;
  readonly brokers: number;
  readonly kafkaVersion: string;
  readonly registryVersion: string;
  readonly startedAt: string;
  readonly processes: readonly StartedProcess[];
}

export interface UpResult extends StackEndpoints {
  /** True when a running stack was found and reused. */
  readonly reused: boolean;
  readonly variant: StackVariant;
  readonly kafkaVersion: string;
  readonly brokers: number;
  readonly logs: string;
}

type Log = (line: string) => void;

const silent: Log = () => {};

function markerFor(paths: StackPaths): string {
  return `-Dkbus.stack=${paths.run}`;
}

function readState(paths: StackPaths): StackState | undefined {
  if (!existsSync(paths.stateFile)) return undefined;
  try {
    return JSON.parse(readFileSync(paths.stateFile, 'utf8')) as StackState;
  } catch {
    return undefined;
  }
}

function liveProcesses(state: StackState): StartedProcess[] {
  return state.processes.filter((p) => isOurs(p.pid, state.marker));
}

/** Holds an exclusive lock (a directory) while `fn` runs, so concurrent `up`s do not race. */
async function withLock<T>(paths: StackPaths, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(paths.lockDir), { recursive: true });
  const deadline = Date.now() + TIMEOUTS.lockMs;
  for (;;) {
    try {
      mkdirSync(paths.lockDir);
      writeFileSync(join(paths.lockDir, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSafe(join(paths.lockDir, 'pid')));
      if (!holder || !pidAlive(holder)) {
        rmSync(paths.lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new StackError('lock', `another stack command (pid ${holder}) held ${paths.lockDir} for too long`);
      }
      await delay(250);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(paths.lockDir, { recursive: true, force: true });
  }
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

async function requireFreePorts(brokers: number, variant: StackVariant): Promise<void> {
  const secure = variant === 'secure';
  const wanted = [
    ...Array.from({ length: brokers }, (_, i) => [
      brokerPort(i + 1, variant),
      controllerPort(i + 1, variant),
      ...(secure ? [mtlsPort(i + 1, variant)] : []),
    ]).flat(),
    registryPort(variant),
    registryManagementPort(variant),
    ...(secure ? [registryTlsPort(variant), registryBearerPort(variant)] : []),
  ];
  for (const port of wanted) {
    if (!(await portFree(port))) {
      throw new StackError(
        'prerequisites',
        `port ${port} on 127.0.0.1 is already in use by a process this stack did not start. ` +
          'Stop it (for example a Kafka or registry started by hand), or use that cluster by setting ' +
          'KAFKA_BROKERS and SCHEMA_REGISTRY_URL.',
      );
    }
  }
}

/** TLS and SASL settings of the stack's own probes (the brokers' principal, on the secured stack). */
function probeConnection(security: SecureMaterial | undefined): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  if (!security) return {};
  return {
    ssl: { ca: [readFileSync(security.caLocation)] },
    sasl: { mechanism: 'plain', username: security.admin.username, password: security.admin.password },
  };
}

/** Waits until every broker answers a metadata request and reports the whole cluster. */
export async function waitForBrokers(
  brokers: string[],
  timeoutMs: number,
  connection: Pick<KafkaConfig, 'ssl' | 'sasl'> = {},
): Promise<void> {
  const kafka = new Kafka({
    clientId: 'kbus-stack-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    retry: { retries: 0 },
    ...connection,
  });
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length >= brokers.length && cluster.controller !== null) return;
      lastError = new Error(`metadata lists ${cluster.brokers.length} of ${brokers.length} brokers`);
    } catch (error) {
      lastError = error;
    } finally {
      await admin.disconnect().catch(() => {});
    }
    await delay(500);
  }
  throw new StackError('kafka', `brokers ${brokers.join(',')} did not answer metadata within ${timeoutMs} ms`, {
    cause: lastError,
  });
}

/** GET over TLS with the stack's CA and basic auth (fetch cannot be given a CA). */
function getWithCa(url: string, security: SecureMaterial): Promise<number> {
  const { username, password } = security.registry;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        ca: readFileSync(security.caLocation),
        auth: `${username}:${password}`,
        timeout: 2_000,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.once('timeout', () => req.destroy(new Error(`GET ${url} took more than 2 s`)));
    req.once('error', reject);
    req.end();
  });
}

/** Waits until the registry's Confluent-compatible API lists subjects (through its TLS front on the secured stack). */
export async function waitForRegistry(url: string, timeoutMs: number, security?: SecureMaterial): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const status = security
        ? await getWithCa(`${url}/subjects`, security)
        : (await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(2_000) })).status;
      if (status === 200) return;
      lastError = new Error(`GET ${url}/subjects answered ${status}`);
    } catch (error) {
      lastError = error;
    }
    await delay(500);
  }
  throw new StackError('registry', `schema registry at ${url} did not answer within ${timeoutMs} ms`, {
    cause: lastError,
  });
}

function startKafka(
  paths: StackPaths,
  options: StackOptions,
  marker: string,
  log: Log,
  security: SecureMaterial | undefined,
): { processes: StartedProcess[] } {
  const runtimes = findJavaRuntimes();
  const java = javaForKafka(runtimes, options.kafkaVersion);
  const libs = ensureKafkaLibs(paths.cache, options.kafkaVersion, log);
  const logging = loggingConfig(options.kafkaVersion);
  const configDir = join(paths.run, 'config');
  mkdirSync(configDir, { recursive: true });
  const loggingFile = join(configDir, logging.file);
  writeFileSync(loggingFile, logging.text);
  const loggingArg = `-D${logging.property}=${logging.property === 'log4j.configuration' ? 'file:' : ''}${loggingFile}`;
  const id = newClusterId();
  const heap = options.brokers === 1 ? '-Xmx1g' : '-Xmx512m';
  const processes: StartedProcess[] = [];
  for (let node = 1; node <= options.brokers; node++) {
    const properties = join(configDir, `server-${node}.properties`);
    const { variant } = options;
    const listeners = security
      ? brokerSecurityProperties(security, {
          client: brokerPort(node, variant),
          mtls: mtlsPort(node, variant),
          controller: controllerPort(node, variant),
        })
      : {};
    writeFileSync(
      properties,
      serverProperties(node, options.brokers, join(paths.data, `kafka-${node}`), variant, listeners),
      { mode: 0o600 },
    );
    const format = startSync(java.bin, [
      '-cp',
      `${libs}/*`,
      loggingArg,
      'kafka.tools.StorageTool',
      'format',
      `--cluster-id=${id}`,
      '-c',
      properties,
      '--ignore-formatted',
      ...(security ? scramFormatArgs(security) : []),
    ]);
    if (format.status !== 0) {
      // The tool's output echoes the SCRAM passwords' derived keys: the tail is shown without them.
      const output = security
        ? format.output.replace(/UserScramCredentialRecord\([^)]*\)/g, '(a SCRAM user)')
        : format.output;
      throw new StackError('kafka', `formatting storage for node ${node} failed`, { logTail: output });
    }
    processes.push(
      startDetached(
        `kafka-${node}`,
        java.bin,
        [
          heap,
          '-Xms256m',
          '-XX:+UseG1GC',
          '-XX:MaxGCPauseMillis=20',
          '-Djava.awt.headless=true',
          marker,
          loggingArg,
          '-cp',
          `${libs}/*`,
          'kafka.Kafka',
          properties,
        ],
        { cwd: paths.run, log: join(paths.logs, `kafka-${node}.log`) },
      ),
    );
  }
  log(
    `started Kafka ${options.kafkaVersion}, ${options.brokers} node(s)${security ? ' with SASL_SSL and mTLS listeners only' : ''}, on ${java.bin} (Java ${java.major})`,
  );
  return { processes };
}

function startSync(command: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() };
}

function startRegistry(
  paths: StackPaths,
  variant: StackVariant,
  marker: string,
  log: Log,
): { process: StartedProcess; version: string } {
  const runtimes = findJavaRuntimes();
  const modern = newestJava(runtimes, 21);
  const wanted = process.env.KBUS_REGISTRY_VERSION ?? (modern ? REGISTRY_VERSION : REGISTRY_FALLBACK_VERSION);
  const java = wanted.startsWith('2.') ? newestJava(runtimes, 17) : modern;
  if (!java) {
    throw new StackError(
      'prerequisites',
      `Apicurio Registry ${wanted} needs Java ${wanted.startsWith('2.') ? 17 : 21} or newer; found none. Install a JDK or set JAVA_HOME.`,
    );
  }
  if (!modern) log(`no Java 21+ found: using Apicurio Registry ${wanted} (the 2.6 line runs on Java 17)`);
  const dir = ensureRegistry(paths.cache, wanted, log);
  // 3.x reads apicurio.*, 2.x reads registry.*; unknown keys are ignored by each.
  const settings = [
    `-Dquarkus.http.port=${registryPort(variant)}`,
    '-Dquarkus.http.host=127.0.0.1',
    `-Dquarkus.management.port=${registryManagementPort(variant)}`,
    '-Dquarkus.management.host=127.0.0.1',
    '-Dapicurio.ccompat.use-canonical-hash=true',
    '-Dapicurio.ccompat.legacy-id-mode.enabled=false',
    '-Dapicurio.rest.deletion.artifact.enabled=true',
    '-Dapicurio.rest.deletion.artifact-version.enabled=true',
    '-Dapicurio.rest.deletion.group.enabled=true',
    '-Dregistry.ccompat.use-canonical-hash=true',
    '-Dregistry.ccompat.legacy-id-mode.enabled=false',
    '-Dregistry.rest.artifact.deletion.enabled=true',
  ];
  const started = startDetached(
    'schema-registry',
    java.bin,
    ['-Xmx512m', '-XX:+UseSerialGC', marker, ...settings, '-jar', 'quarkus-run.jar'],
    { cwd: dir, log: join(paths.logs, 'schema-registry.log') },
  );
  log(`started Apicurio Registry ${wanted} on ${java.bin} (Java ${java.major})`);
  return { process: started, version: wanted };
}

/** The secured stack's registry front: nginx with TLS and basic auth before the registry's own port. */
function startRegistryFront(
  paths: StackPaths,
  variant: StackVariant,
  security: SecureMaterial,
  marker: string,
  log: Log,
): StartedProcess {
  const nginx = findNginx();
  const logFile = join(paths.logs, 'registry-front.log');
  const { prefix, config } = writeRegistryFront(
    paths.run,
    security,
    { tls: registryTlsPort(variant), bearer: registryBearerPort(variant), upstream: registryPort(variant) },
    logFile,
  );
  // nginx keeps its arguments in its process title, so the marker goes in as a harmless `env` directive.
  const started = startDetached(
    'registry-front',
    nginx,
    ['-p', prefix, '-e', logFile, '-c', config, '-g', `env KBUS_STACK_MARKER=${marker.replace(/[;\s]/g, '_')};`],
    { cwd: prefix, log: logFile },
  );
  log(`started nginx in front of the registry (TLS and basic auth on port ${registryTlsPort(variant)})`);
  return started;
}

/** The restricted user may read topics and use groups with its prefixes, nothing else. */
async function grantRestrictedUser(brokers: string[], security: SecureMaterial): Promise<void> {
  const kafka = new Kafka({
    clientId: 'kbus-stack-acls',
    brokers,
    logLevel: logLevel.NOTHING,
    ...probeConnection(security),
  });
  const admin = kafka.admin();
  // kafkajs is CommonJS and its ACL enums are not found as named ES exports.
  const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;
  const principal = `User:${security.restricted.username}`;
  const allow = (resourceType: number, resourceName: string, operation: number) => ({
    resourceType,
    resourceName,
    resourcePatternType: ResourcePatternTypes.PREFIXED,
    principal,
    host: '*',
    operation,
    permissionType: AclPermissionTypes.ALLOW,
  });
  try {
    await admin.connect();
    await admin.createAcls({
      acl: [
        allow(AclResourceTypes.TOPIC, security.restricted.topicPrefix, AclOperationTypes.READ),
        allow(AclResourceTypes.TOPIC, security.restricted.topicPrefix, AclOperationTypes.DESCRIBE),
        allow(AclResourceTypes.GROUP, security.restricted.groupPrefix, AclOperationTypes.READ),
      ],
    });
  } finally {
    await admin.disconnect();
  }
}

async function stopAll(state: StackState, log: Log): Promise<string[]> {
  const stopped: string[] = [];
  // Stop in parallel: a KRaft node waiting for its peers would otherwise hold the others up.
  await Promise.all(
    [...state.processes].reverse().map(async (p) => {
      const how = await stopProcess(p.pid, state.marker, TIMEOUTS.stopMs);
      if (how !== 'not-running') {
        const line = `stopped ${p.name} (pid ${p.pid}, ${how})`;
        stopped.push(line);
        log(line);
      }
    }),
  );
  return stopped;
}

/**
 * Starts the local stack, or reuses the one already running, and resolves once every broker
 * answers metadata and the registry answers. Options left out accept whatever runs; options
 * given must match the running stack (else it says to stop it first).
 */
export async function up(options: Partial<StackOptions> = {}, log: Log = silent): Promise<UpResult> {
  const requestedVersion = options.kafkaVersion ?? process.env.KBUS_KAFKA_VERSION;
  const wanted: StackOptions = {
    brokers: options.brokers ?? 1,
    kafkaVersion: requestedVersion ?? DEFAULT_KAFKA_VERSION,
    variant: options.variant ?? 'plain',
  };
  const paths = stackPaths(process.env, wanted.variant);
  return withLock(paths, async () => {
    const existing = readState(paths);
    if (existing) {
      const live = liveProcesses(existing);
      const whole = live.length === existing.processes.length;
      const same =
        (options.brokers === undefined || existing.brokers === options.brokers) &&
        (requestedVersion === undefined || existing.kafkaVersion === requestedVersion);
      if (whole && same) {
        await waitForBrokers(
          brokerList(existing.brokers, wanted.variant),
          TIMEOUTS.brokerReadyMs,
          probeConnection(existing.security),
        );
        await waitForRegistry(existing.schemaRegistryUrl, TIMEOUTS.registryReadyMs, existing.security);
        log(`reusing the running stack (Kafka ${existing.kafkaVersion}, ${existing.brokers} node(s))`);
        return {
          ...endpointsOf(existing),
          reused: true,
          variant: wanted.variant,
          kafkaVersion: existing.kafkaVersion,
          brokers: existing.brokers,
          logs: paths.logs,
        };
      }
      if (whole) {
        throw new StackError(
          'kafka',
          `a stack with Kafka ${existing.kafkaVersion} and ${existing.brokers} node(s) is already running, ` +
            `but Kafka ${wanted.kafkaVersion} with ${wanted.brokers} node(s) was asked for; ` +
            `stop it first with \`npx kbus-stack down${wanted.variant === 'secure' ? ' --secure' : ''}\`, then start the one you want.`,
        );
      }
      log(
        `a previous stack is partly running (${live.length} of ${existing.processes.length} processes); restarting it`,
      );
      await stopAll(existing, log);
    }
    return startFresh(paths, wanted, log);
  });
}

/**
 * The variables \`up\` prints, which any client can be pointed at: KAFKA_BROKERS and
 * SCHEMA_REGISTRY_URL, and on the secured stack the SASL user (SCRAM-SHA-512; the same user and
 * password work with PLAIN), the CA, the registry's basic-auth user and the mTLS listeners.
 */
export function endpointVariables(endpoints: StackEndpoints): Record<string, string> {
  const plain = { KAFKA_BROKERS: endpoints.kafkaBrokers, SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl };
  const s = endpoints.security;
  if (!s) return plain;
  return {
    ...plain,
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: s.user.username,
    KAFKA_SASL_PASSWORD: s.user.password,
    KAFKA_SSL_CA_LOCATION: s.caLocation,
    SCHEMA_REGISTRY_USER_INFO: `${s.registry.username}:${s.registry.password}`,
    SCHEMA_REGISTRY_CA_LOCATION: s.caLocation,
    KAFKA_MTLS_BROKERS: s.mtlsBrokers,
    KAFKA_SSL_CERTIFICATE_LOCATION: s.clientCertLocation,
    KAFKA_SSL_KEY_LOCATION: s.clientKeyLocation,
  };
}

function endpointsOf(state: StackEndpoints): StackEndpoints {
  return {
    kafkaBrokers: state.kafkaBrokers,
    schemaRegistryUrl: state.schemaRegistryUrl,
    ...(state.security ? { security: state.security } : {}),
  };
}

async function startFresh(paths: StackPaths, wanted: StackOptions, log: Log): Promise<UpResult> {
  await requireFreePorts(wanted.brokers, wanted.variant);
  rmSync(paths.run, { recursive: true, force: true });
  mkdirSync(paths.logs, { recursive: true });
  mkdirSync(paths.data, { recursive: true });
  const marker = markerFor(paths);
  const { variant } = wanted;
  const material = variant === 'secure' ? createSecureMaterial(join(paths.run, 'tls')) : undefined;
  const security: SecureEndpoints | undefined = material && {
    ...material,
    mtlsBrokers: mtlsBrokerList(wanted.brokers, variant).join(','),
    registryBearerUrl: `https://127.0.0.1:${registryBearerPort(variant)}${REGISTRY_PATH}`,
  };
  const endpoints: StackEndpoints = {
    kafkaBrokers: brokerList(wanted.brokers, variant).join(','),
    schemaRegistryUrl: registryUrl(variant),
    ...(security ? { security } : {}),
  };
  const processes: StartedProcess[] = [];
  const startedAt = new Date().toISOString();
  let registryVersion = '';
  const current = (): StackState => ({
    format: 1,
    variant,
    marker,
    brokers: wanted.brokers,
    kafkaVersion: wanted.kafkaVersion,
    registryVersion,
    startedAt,
    processes,
    ...endpoints,
  });
  // Saved after each start, so that `down` can stop what did start even if a later step fails.
  // The secured stack's state holds its passwords: readable by its owner only.
  const save = () =>
    writeFileSync(paths.stateFile, `${JSON.stringify(current(), null, 2)}\n`, { mode: security ? 0o600 : 0o644 });
  try {
    processes.push(...startKafka(paths, wanted, marker, log, material).processes);
    save();
    const registry = startRegistry(paths, variant, marker, log);
    processes.push(registry.process);
    registryVersion = registry.version;
    save();
    if (material) {
      processes.push(startRegistryFront(paths, variant, material, marker, log));
      save();
    }
    await Promise.all([
      waitForBrokers(brokerList(wanted.brokers, variant), TIMEOUTS.brokerReadyMs, probeConnection(material))
        .then(() => material && grantRestrictedUser(brokerList(wanted.brokers, variant), material))
        .catch((error: unknown) => {
          throw withLogTail(
            error,
            processes.filter((p) => p.name.startsWith('kafka')),
            marker,
          );
        }),
      waitForRegistry(endpoints.schemaRegistryUrl, TIMEOUTS.registryReadyMs, material).catch((error: unknown) => {
        throw withLogTail(
          error,
          processes.filter((p) => p.name === 'schema-registry' || p.name === 'registry-front'),
          marker,
        );
      }),
    ]);
  } catch (error) {
    await stopAll(current(), log);
    rmSync(paths.stateFile, { force: true });
    throw error;
  }
  log(
    `Kafka ${wanted.kafkaVersion} (${wanted.brokers} node(s)) and Apicurio Registry ${registryVersion} are up; logs in ${paths.logs}`,
  );
  return {
    ...endpoints,
    reused: false,
    variant,
    kafkaVersion: wanted.kafkaVersion,
    brokers: wanted.brokers,
    logs: paths.logs,
  };
}

function withLogTail(error: unknown, parts: StartedProcess[], marker: string): unknown {
  if (!(error instanceof StackError)) return error;
  // Prefer the log of a process that died; else the first one's.
  const culprit = parts.find((p) => !isOurs(p.pid, marker)) ?? parts[0];
  if (!culprit) return error;
  const died = !isOurs(culprit.pid, marker);
  return new StackError(error.part, `${error.message}${died ? `; ${culprit.name} exited` : ''} (log: ${culprit.log})`, {
    cause: error.cause,
    logTail: logTail(culprit.log),
  });
}

/** Stops the processes the stack started (by pid) and deletes its data; returns what it stopped. */
export async function down(log: Log = silent, variant: StackVariant = 'plain'): Promise<string[]> {
  const paths = stackPaths(process.env, variant);
  return withLock(paths, async () => {
    const state = readState(paths);
    if (!state) return [];
    const stopped = await stopAll(state, log);
    rmSync(paths.data, { recursive: true, force: true });
    rmSync(paths.stateFile, { force: true });
    return stopped;
  });
}

export interface StackStatus {
  readonly running: boolean;
  readonly logs: string;
  readonly state?: {
    readonly kafkaVersion: string;
    readonly registryVersion: string;
    readonly brokers: number;
    readonly startedAt: string;
    readonly endpoints: StackEndpoints;
    readonly processes: ReadonlyArray<StartedProcess & { readonly alive: boolean }>;
  };
}

export function status(variant: StackVariant = 'plain'): StackStatus {
  const paths = stackPaths(process.env, variant);
  const state = readState(paths);
  if (!state) return { running: false, logs: paths.logs };
  const processes = state.processes.map((p) => ({ ...p, alive: isOurs(p.pid, state.marker) }));
  return {
    running: processes.every((p) => p.alive),
    logs: paths.logs,
    state: {
      kafkaVersion: state.kafkaVersion,
      registryVersion: state.registryVersion,
      brokers: state.brokers,
      startedAt: state.startedAt,
      endpoints: endpointsOf(state),
      processes,
    },
  };
}

/** The stack's processes by name (`kafka-1`…, `schema-registry`), for fault tests. */
export function stackProcesses(): ReadonlyArray<StartedProcess & { readonly alive: boolean }> {
  const state = readState(stackPaths());
  return state ? state.processes.map((p) => ({ ...p, alive: isOurs(p.pid, state.marker) })) : [];
}

/**
 * Sends `signal` to one stack process (a fault test's broker kill). The stack's record
 * keeps it, so `restartProcess` or `down` can still act on it.
 */
export function signalProcess(name: string, signal: NodeJS.Signals): number {
  const state = readState(stackPaths());
  const found = state?.processes.find((p) => p.name === name);
  if (!state || !found || !isOurs(found.pid, state.marker)) {
    throw new StackError('kafka', `${name} is not running in this stack`);
  }
  process.kill(found.pid, signal);
  return found.pid;
}

/** Starts a stopped stack process again with its original command line, and records its new pid. */
export async function restartProcess(name: string): Promise<StartedProcess> {
  const paths = stackPaths();
  return withLock(paths, async () => {
    const state = readState(paths);
    const index = state?.processes.findIndex((p) => p.name === name) ?? -1;
    const previous = state?.processes[index];
    if (!state || !previous) throw new StackError('kafka', `${name} is not part of this stack`);
    if (isOurs(previous.pid, state.marker)) return previous;
    const started = startDetached(name, previous.command, previous.args, { cwd: previous.cwd, log: previous.log });
    const processes = state.processes.map((p, i) => (i === index ? started : p));
    writeFileSync(paths.stateFile, `${JSON.stringify({ ...state, processes }, null, 2)}\n`);
    return started;
  });
}
