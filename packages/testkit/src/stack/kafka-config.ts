import { randomBytes } from 'node:crypto';
import { brokerPort, controllerPort, type StackVariant } from './config.ts';

/**
 * A KRaft cluster id: a base64url-encoded random 16-byte UUID (22 characters). Like Kafka's own
 * `Uuid.randomUuid()`, it never starts with '-', which `kafka-storage format -t` would read as an
 * option (one id in 64 did, and formatting failed).
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * server.properties for node `nodeId` of an `nodes`-node combined-mode KRaft cluster on
 * loopback; `security` replaces the PLAINTEXT listeners (the secured stack).
 */
export function serverProperties(
  nodeId: number,
  nodes: number,
  logDir: string,
  variant: StackVariant = 'plain',
  security: Readonly<Record<string, string>> = {},
): string {
  const voters = Array.from({ length: nodes }, (_, i) => `${i + 1}@127.0.0.1:${controllerPort(i + 1, variant)}`).join(
    ',',
  );
  const replicas = nodes;
  const minIsr = nodes >= 3 ? 2 : 1;
  const lines: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': nodeId,
    'controller.quorum.voters': voters,
    listeners: `PLAINTEXT://127.0.0.1:${brokerPort(nodeId, variant)},CONTROLLER://127.0.0.1:${controllerPort(nodeId, variant)}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${brokerPort(nodeId, variant)}`,
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name': 'PLAINTEXT',
    'log.dirs': logDir,
    // Topics are created explicitly (with leaders awaited); a typo must not create a topic.
    'auto.create.topics.enable': false,
    'delete.topic.enable': true,
    'num.partitions': 1,
    'default.replication.factor': replicas,
    'min.insync.replicas': minIsr,
    'offsets.topic.replication.factor': replicas,
    'offsets.topic.num.partitions': 12,
    'transaction.state.log.replication.factor': replicas,
    'transaction.state.log.min.isr': minIsr,
    'transaction.state.log.num.partitions': 6,
    'share.coordinator.state.topic.replication.factor': replicas,
    'share.coordinator.state.topic.min.isr': minIsr,
    'group.initial.rebalance.delay.ms': 0,
    // Two cores: keep the thread pools small.
    'num.network.threads': 2,
    'num.io.threads': 4,
    'num.recovery.threads.per.data.dir': 1,
    ...security,
  };
  return `${Object.entries(lines)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

/** Logging to stdout (the stack redirects it to a file); log4j2 for Kafka 4, log4j 1 (reload4j) for 3.x. */
export function loggingConfig(kafkaVersion: string): { file: string; property: string; text: string } {
  if (kafkaVersion.startsWith('3.')) {
    return {
      file: 'log4j.properties',
      property: 'log4j.configuration',
      text: [
        'log4j.rootLogger=INFO, stdout',
        'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
        'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
        'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
        'log4j.logger.kafka.request.logger=WARN',
        'log4j.logger.state.change.logger=WARN',
        '',
      ].join('\n'),
    };
  }
  return {
    file: 'log4j2.properties',
    property: 'log4j2.configurationFile',
    text: [
      'rootLogger.level = INFO',
      'rootLogger.appenderRef.stdout.ref = STDOUT',
      'appender.stdout.type = Console',
      'appender.stdout.name = STDOUT',
      'appender.stdout.layout.type = PatternLayout',
      'appender.stdout.layout.pattern = [%d] %p %m (%c)%n',
      'logger.request.name = kafka.request.logger',
      'logger.request.level = WARN',
      'logger.statechange.name = state.change.logger',
      'logger.statechange.level = WARN',
      '',
    ].join('\n'),
  };
}
