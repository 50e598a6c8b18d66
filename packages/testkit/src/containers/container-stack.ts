import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import type { Readable } from 'node:stream';
import {
  type ContainerRuntimeClient,
  GenericContainer,
  getContainerRuntimeClient,
  ImageName,
  Network,
  type StartedNetwork,
  type StartedTestContainer,
  Wait,
} from 'testcontainers';
import { REGISTRY_PATH } from '../stack/config.ts';
import { newClusterId } from '../stack/kafka-config.ts';
import { waitForBrokers, waitForRegistry } from '../stack/stack.ts';
import {
  ContainerStackError,
  DEFAULT_KAFKA_IMAGE,
  DEFAULT_REGISTRY_IMAGE,
  LOCAL_KAFKA_IMAGE,
  LOCAL_REGISTRY_IMAGE,
} from './definitions.ts';

export interface ContainerStackOptions {
  /** 1 (default) or 3 KRaft nodes, each broker and controller. */
  readonly brokers?: 1 | 3;
  /**
   * An apache/kafka-compatible image (configured by KAFKA_* env vars). Default: KBUS_KAFKA_IMAGE, else
   * apache/kafka, else kbus/kafka when only that one is present locally.
   */
  readonly kafkaImage?: string;
  /** An Apicurio Registry 3.x image. Default: KBUS_REGISTRY_IMAGE, else the official one, else kbus/apicurio-registry. */
  readonly registryImage?: string;
}

export interface ContainerStack extends AsyncDisposable {
  /** Comma-separated bootstrap servers reachable from the host, the value of KAFKA_BROKERS. */
  readonly kafkaBrokers: string;
  /** Base URL of the registry's Confluent-compatible API, the value of SCHEMA_REGISTRY_URL. */
  readonly schemaRegistryUrl: string;
  /** Stops and removes the containers and the network. Safe to call more than once. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Bounds of every wait; none is open-ended. */
const TIMEOUTS = {
  dockerPingMs: 5_000,
  containerStartMs: 120_000,
  metadataMs: 30_000,
  registryMs: 30_000,
  stopMs: 0, // throwaway containers: no graceful shutdown (3 KRaft nodes stopping together wait for each other)
} as const;

/** Container ports: EXTERNAL is published on a host port, INTERNAL and CONTROLLER stay on the network. */
const EXTERNAL_PORT = 9092;
const CONTROLLER_PORT = 9093;
const INTERNAL_PORT = 19092;
const REGISTRY_PORT = 8080;
const PORT_ATTEMPTS = 3;

/**
 * A Kafka Metadata v4 request on the INTERNAL listener; healthy once the response (broker count
 * in bytes 13-16) lists `minBrokers` brokers. Plain bash, so it runs in apache/kafka and kbus/kafka
 * alike (the same check as docker-compose.yml).
 */
const kafkaHealthScript = (minBrokers: number): string =>
  [
    `export LC_ALL=C; exec 3<>/dev/tcp/127.0.0.1/${INTERNAL_PORT} || exit 1;`,
    `printf '\\0\\0\\0\\21\\0\\3\\0\\4\\0\\0\\0\\1\\0\\2hc\\377\\377\\377\\377\\0' >&3; n=0;`,
    'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do',
    `IFS= read -r -d '' -n 1 -t 5 c <&3 || exit 1; printf -v b %d "'$c";`,
    '[ $i -gt 12 ] && n=$(( n * 256 + b )); done;',
    `[ $n -ge ${minBrokers} ]`,
  ].join(' ');

/**
 * True when a container engine answers within `timeoutMs` (default 5 s), as testcontainers
 * finds it (DOCKER_HOST, ~/.testcontainers.properties, the default socket).
 */
export async function dockerAvailable(timeoutMs: number = TIMEOUTS.dockerPingMs): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
    timer.unref();
  });
  const probe = (async () => {
    const client = await getContainerRuntimeClient();
    return (await client.container.dockerode.ping()) !== undefined;
  })().catch(() => false);
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts a 1- or 3-node KRaft cluster and an Apicurio Registry on a private Docker network.
 *
 * Each broker has three listeners: INTERNAL (kafka-N:19092, between brokers), CONTROLLER
 * (kafka-N:9093, the quorum) and EXTERNAL (container port 9092) published on a fixed host port
 * chosen free by this function just before start, and advertised as that host port. A fixed
 * port is used because the advertised listener must be known when Kafka starts and a random
 * mapped port is only known after the container started; this keeps the images configured by
 * env vars alone, so the official apache/kafka image works as well as the local kbus/kafka.
 * Should another process take a chosen port meanwhile, the brokers are started again on fresh
 * ports (up to 3 attempts).
 *
 * Ready means: every broker logged "Kafka Server started" and its healthcheck (a Metadata
 * request inside the container listing all brokers) passed, the host reaches every broker
 * through its published port, and the registry answers GET /subjects.
 *
 * Here (no image registry) set TESTCONTAINERS_RYUK_DISABLED=true: the Ryuk image cannot be pulled.
 */
export async function startContainerStack(options: ContainerStackOptions = {}): Promise<ContainerStack> {
  const nodes = options.brokers ?? 1;
  const runtime = await getContainerRuntimeClient().catch((error: unknown) => {
    throw new ContainerStackError(
      'no container engine found (testcontainers looked at DOCKER_HOST and the default socket): start Docker, ' +
        'or use the local process stack instead (KBUS_TEST_PROVIDER=process)',
      '',
      error,
    );
  });
  // Advertise an IP for a local engine: some clients resolve localhost to ::1 first, and Docker may publish on IPv4 only.
  const runtimeHost = runtime.info.containerRuntime.host;
  const host = runtimeHost === 'localhost' ? '127.0.0.1' : runtimeHost;
  const [kafkaImage, registryImage] = await chooseImages(runtime, options);

  const clusterId = newClusterId();
  const stackId = `kbus-${randomBytes(6).toString('hex')}`;
  const dockerode = runtime.container.dockerode;
  /** Removes this stack's containers that testcontainers does not track (e.g. created but failed to start). */
  const removeLeftovers = async (kind?: 'kafka' | 'registry'): Promise<void> => {
    const label = [`kbus.stack.id=${stackId}`, ...(kind ? [`kbus.kind=${kind}`] : [])];
    const leftovers = await dockerode.listContainers({ all: true, filters: { label } }).catch(() => []);
    await Promise.allSettled(leftovers.map((c) => dockerode.getContainer(c.Id).remove({ force: true, v: true })));
  };
  const brokers: StartedTestContainer[] = [];
  let registry: StartedTestContainer | undefined;
  const logs = new Map<string, string[]>();
  let network: StartedNetwork | undefined;
  let stopping: Promise<void> | undefined;

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const containers = registry ? [...brokers, registry] : brokers;
      await Promise.allSettled(containers.map((c) => c.stop({ timeout: TIMEOUTS.stopMs })));
      await removeLeftovers();
      await network?.stop().catch(() => {});
    })();
    return stopping;
  };

  try {
    const net = await new Network().start();
    network = net;
    const registryStart = registryContainer(registryImage, net, stackId, logs)
      .start()
      .then(async (c) => {
        // Started after a failure elsewhere already stopped the stack: remove it at once.
        if (stopping) await c.stop({ timeout: 0 }).catch(() => {});
        else registry = c;
        return c;
      });
    registryStart.catch(() => {});

    let kafkaBrokers = '';
    for (let attempt = 1; ; attempt++) {
      const ports = await freePorts(nodes);
      const results = await Promise.allSettled(
        ports.map((port, i) =>
          kafkaContainer(
            { image: kafkaImage, network: net, nodeId: i + 1, nodes, host, port, clusterId, stackId },
            logs,
          )
            .start()
            .then((c) => brokers.push(c)),
        ),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (!failed) {
        kafkaBrokers = ports.map((p) => `${host}:${p}`).join(',');
        break;
      }
      if (attempt < PORT_ATTEMPTS && portTaken(failed.reason)) {
        // Another process took a chosen port between the check and the start: try fresh ports.
        await Promise.allSettled(brokers.splice(0).map((c) => c.stop({ timeout: 0 })));
        await removeLeftovers('kafka');
        continue;
      }
      throw new ContainerStackError(
        `Kafka (${kafkaImage}, ${nodes} node(s)) did not become ready: ${errorText(failed.reason)}`,
        logTails(logs, 'kafka-'),
        failed.reason,
      );
    }

    // The host's own view: every broker reachable on its published port, the whole cluster listed.
    await waitForBrokers(kafkaBrokers.split(','), TIMEOUTS.metadataMs).catch((error: unknown) => {
      throw new ContainerStackError(
        `Kafka is not reachable from the host at ${kafkaBrokers}`,
        logTails(logs, 'kafka-'),
        error,
      );
    });

    const started = await registryStart.catch((error: unknown) => {
      throw new ContainerStackError(
        `the schema registry (${registryImage}) did not become ready: ${errorText(error)}`,
        logTails(logs, 'registry'),
        error,
      );
    });
    const schemaRegistryUrl = `http://${host}:${started.getMappedPort(REGISTRY_PORT)}${REGISTRY_PATH}`;
    await waitForRegistry(schemaRegistryUrl, TIMEOUTS.registryMs);

    return { kafkaBrokers, schemaRegistryUrl, stop, [Symbol.asyncDispose]: stop };
  } catch (error) {
    await stop();
    if (error instanceof ContainerStackError) throw error;
    throw new ContainerStackError(
      `could not start the container stack: ${errorText(error)}${ryukHint(error)}`,
      logTails(logs, ''),
      error,
    );
  }
}

/**
 * The image named by the caller or env var; else the official image, unless only the locally
 * built kbus/* one is present (a machine without an image registry), then that one.
 */
/**
 * Whether the container stack can start without pulling anything: the Kafka and registry
 * images (as they would be chosen) and, unless TESTCONTAINERS_RYUK_DISABLED=true, the Ryuk
 * image testcontainers starts first are present in the local engine. The automatic
 * provider choice uses it, so that a machine with Docker but no image registry (or no
 * images yet) falls back to the process stack instead of failing on a pull.
 */
export async function containerImagesPresent(
  options: ContainerStackOptions = {},
): Promise<{ present: boolean; missing: string[] }> {
  const runtime = await getContainerRuntimeClient();
  const exists = (name: string) => runtime.image.exists(ImageName.fromString(name)).catch(() => false);
  const wanted = await chooseImages(runtime, options);
  const missing: string[] = [];
  for (const image of wanted) if (!(await exists(image))) missing.push(image);
  if (process.env.TESTCONTAINERS_RYUK_DISABLED !== 'true') {
    const images = await runtime.container.dockerode.listImages().catch(() => []);
    const hasRyuk = images.some((i) => (i.RepoTags ?? []).some((tag) => tag.startsWith('testcontainers/ryuk:')));
    if (!hasRyuk) missing.push('testcontainers/ryuk (or set TESTCONTAINERS_RYUK_DISABLED=true)');
  }
  return { present: missing.length === 0, missing };
}

/** The Kafka and registry images a stack with these options uses. */
function chooseImages(runtime: ContainerRuntimeClient, options: ContainerStackOptions): Promise<[string, string]> {
  return Promise.all([
    chooseImage(runtime, options.kafkaImage ?? process.env.KBUS_KAFKA_IMAGE, DEFAULT_KAFKA_IMAGE, LOCAL_KAFKA_IMAGE),
    chooseImage(
      runtime,
      options.registryImage ?? process.env.KBUS_REGISTRY_IMAGE,
      DEFAULT_REGISTRY_IMAGE,
      LOCAL_REGISTRY_IMAGE,
    ),
  ]);
}

async function chooseImage(
  runtime: ContainerRuntimeClient,
  named: string | undefined,
  official: string,
  local: string,
): Promise<string> {
  if (named) return named;
  const exists = (name: string) => runtime.image.exists(ImageName.fromString(name)).catch(() => false);
  if (await exists(official)) return official;
  return (await exists(local)) ? local : official;
}

interface KafkaNode {
  readonly image: string;
  readonly network: StartedNetwork;
  readonly nodeId: number;
  readonly nodes: number;
  /** The host clients use, and the host port published for this node's EXTERNAL listener. */
  readonly host: string;
  readonly port: number;
  readonly clusterId: string;
  readonly stackId: string;
}

function kafkaContainer(node: KafkaNode, logs: Map<string, string[]>): GenericContainer {
  const { nodeId, nodes } = node;
  const alias = `kafka-${nodeId}`;
  const replicas = String(nodes);
  const minIsr = nodes >= 3 ? '2' : '1';
  const voters = Array.from({ length: nodes }, (_, i) => `${i + 1}@kafka-${i + 1}:${CONTROLLER_PORT}`).join(',');
  return new GenericContainer(node.image)
    .withNetwork(node.network)
    .withNetworkAliases(alias)
    .withHostname(alias)
    .withExposedPorts({ container: EXTERNAL_PORT, host: node.port })
    .withEnvironment({
      CLUSTER_ID: node.clusterId,
      KAFKA_NODE_ID: String(nodeId),
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_CONTROLLER_QUORUM_VOTERS: voters,
      KAFKA_LISTENERS: `INTERNAL://:${INTERNAL_PORT},EXTERNAL://:${EXTERNAL_PORT},CONTROLLER://:${CONTROLLER_PORT}`,
      KAFKA_ADVERTISED_LISTENERS: `INTERNAL://${alias}:${INTERNAL_PORT},EXTERNAL://${node.host}:${node.port}`,
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'INTERNAL',
      KAFKA_LOG_DIRS: '/tmp/kraft-combined-logs',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      KAFKA_NUM_PARTITIONS: '1',
      KAFKA_DEFAULT_REPLICATION_FACTOR: replicas,
      KAFKA_MIN_INSYNC_REPLICAS: minIsr,
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: replicas,
      KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '12',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: replicas,
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: minIsr,
      KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS: '6',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: replicas,
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: minIsr,
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_NUM_NETWORK_THREADS: '2',
      KAFKA_NUM_IO_THREADS: '4',
      KAFKA_HEAP_OPTS: nodes === 1 ? '-Xmx1g -Xms256m' : '-Xmx512m -Xms256m',
    })
    .withHealthCheck({
      test: ['CMD', 'bash', '-c', kafkaHealthScript(nodes)],
      interval: 1_000,
      timeout: 5_000,
      retries: 120,
      startPeriod: 1_000,
    })
    .withWaitStrategy(Wait.forAll([Wait.forLogMessage(/Kafka Server started/), Wait.forHealthCheck()]))
    .withStartupTimeout(TIMEOUTS.containerStartMs)
    .withLabels({ 'kbus.stack.id': node.stackId, 'kbus.kind': 'kafka', 'kbus.role': alias })
    .withLogConsumer(collect(logs, alias));
}

function registryContainer(
  image: string,
  network: StartedNetwork,
  stackId: string,
  logs: Map<string, string[]>,
): GenericContainer {
  return new GenericContainer(image)
    .withNetwork(network)
    .withNetworkAliases('registry')
    .withExposedPorts(REGISTRY_PORT)
    .withEnvironment({
      // Confluent-compatible API: identical schemas get the same id; no legacy (global) id mode.
      APICURIO_CCOMPAT_USE_CANONICAL_HASH: 'true',
      APICURIO_CCOMPAT_LEGACY_ID_MODE_ENABLED: 'false',
      // Tests delete their subjects afterwards.
      APICURIO_REST_DELETION_ARTIFACT_ENABLED: 'true',
      APICURIO_REST_DELETION_ARTIFACT_VERSION_ENABLED: 'true',
      APICURIO_REST_DELETION_GROUP_ENABLED: 'true',
      JAVA_OPTS_APPEND: '-Xmx512m -XX:+UseSerialGC',
    })
    .withWaitStrategy(Wait.forHttp(`${REGISTRY_PATH}/subjects`, REGISTRY_PORT).forStatusCode(200))
    .withStartupTimeout(TIMEOUTS.containerStartMs)
    .withLabels({ 'kbus.stack.id': stackId, 'kbus.kind': 'registry', 'kbus.role': 'registry' })
    .withLogConsumer(collect(logs, 'registry'));
}

/** Keeps the last lines of a container's output for error messages. */
function collect(logs: Map<string, string[]>, name: string): (stream: Readable) => void {
  const lines: string[] = [];
  logs.set(name, lines);
  return (stream) => {
    let partial = '';
    stream.on('data', (chunk: Buffer | string) => {
      const text = partial + chunk.toString();
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts);
      if (lines.length > 40) lines.splice(0, lines.length - 40);
    });
    stream.on('error', () => {});
  };
}

function logTails(logs: Map<string, string[]>, prefix: string): string {
  return [...logs]
    .filter(([name]) => name.startsWith(prefix))
    .map(([name, lines]) => `--- ${name} (last ${Math.min(lines.length, 15)} lines)\n${lines.slice(-15).join('\n')}`)
    .join('\n');
}

/** `count` distinct TCP ports free on this machine right now (all held open together, then released). */
async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '0.0.0.0', () => resolve());
      });
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port assigned');
      ports.push(address.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function portTaken(error: unknown): boolean {
  return /port is already allocated|address already in use/i.test(errorText(error));
}

function ryukHint(error: unknown): string {
  return /ryuk/i.test(errorText(error)) && process.env.TESTCONTAINERS_RYUK_DISABLED !== 'true'
    ? ' (the Ryuk reaper image could not be started; without an image registry set TESTCONTAINERS_RYUK_DISABLED=true)'
    : '';
}
