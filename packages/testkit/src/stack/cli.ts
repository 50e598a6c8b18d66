#!/usr/bin/env node
/**
 * `kbus-stack up [--brokers 1|3] [--kafka <version>] [--secure]`, `status`, `down` (`npm run stack -- …` in the repository).
 *
 * `up` prints `NAME=value` lines on stdout (KAFKA_BROKERS and SCHEMA_REGISTRY_URL, and with
 * `--secure` the security settings), so that `eval "$(npm run -s stack -- up)"` works;
 * progress goes to stderr.
 */
import { parseArgs } from 'node:util';
import type { StackVariant } from './config.ts';
import { StackError } from './errors.ts';
import { down, endpointVariables, status, up } from './stack.ts';

const usage = `usage: kbus-stack <command> [options]   (in the kbus repository: npm run stack -- <command>)

commands:
  up       start (or reuse) a local Kafka cluster in KRaft mode and a schema registry
  status   show what runs, its endpoints and where its logs are
  down     stop the processes the stack started and delete their data

options for up:
  --brokers 1|3        number of Kafka nodes (default 1)
  --kafka <version>    Apache Kafka version from Maven Central (default $KBUS_KAFKA_VERSION or 4.3.1; 3.9.2 is tested too)
  --secure             the secured stack (with status and down too): SASL_SSL and mTLS listeners only, ACLs,
                       the registry behind TLS and basic auth; it runs beside the plain one (ports + 300)
`;

const progress = (line: string) => process.stderr.write(`[stack] ${line}\n`);

const lines = (variables: Record<string, string>) =>
  Object.entries(variables)
    .map(([name, value]) => `${name}=${value}\n`)
    .join('');

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      brokers: { type: 'string' },
      kafka: { type: 'string' },
      secure: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  const variant: StackVariant = values.secure ? 'secure' : 'plain';
  if (values.help || !command) {
    process.stdout.write(usage);
    return command || values.help ? 0 : 2;
  }
  switch (command) {
    case 'up': {
      const brokers = values.brokers === undefined ? 1 : Number(values.brokers);
      if (brokers !== 1 && brokers !== 3) {
        process.stderr.write(`--brokers must be 1 or 3, got ${values.brokers}\n`);
        return 2;
      }
      const result = await up({ brokers, variant, ...(values.kafka ? { kafkaVersion: values.kafka } : {}) }, progress);
      process.stdout.write(lines(endpointVariables(result)));
      return 0;
    }
    case 'status': {
      const current = status(variant);
      if (!current.state) {
        process.stdout.write(`no stack is running (logs of the last one: ${current.logs})\n`);
        return 1;
      }
      const s = current.state;
      process.stdout.write(
        [
          `stack: ${current.running ? 'running' : 'partly running or stopped'} since ${s.startedAt}`,
          `kafka: ${s.kafkaVersion}, ${s.brokers} node(s); registry: Apicurio ${s.registryVersion}`,
          lines(endpointVariables(s.endpoints)).trimEnd(),
          ...s.processes.map(
            (p) => `  ${p.name.padEnd(16)} pid ${String(p.pid).padEnd(8)} ${p.alive ? 'alive' : 'dead '}  ${p.log}`,
          ),
          `logs: ${current.logs}`,
          '',
        ].join('\n'),
      );
      return current.running ? 0 : 1;
    }
    case 'down': {
      const stopped = await down(undefined, variant);
      process.stdout.write(stopped.length === 0 ? 'nothing to stop\n' : `${stopped.join('\n')}\n`);
      return 0;
    }
    default:
      process.stderr.write(`unknown command: ${command}\n${usage}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof StackError) {
      process.stderr.write(`\n[stack] ${error.part} failed: ${error.message}\n`);
      if (error.cause)
        process.stderr.write(`[stack] cause: ${String((error.cause as Error).message ?? error.cause)}\n`);
      if (error.logTail) process.stderr.write(`[stack] last lines of its log:\n${error.logTail}\n`);
    } else {
      process.stderr.write(`[stack] failed: ${(error as Error).stack ?? String(error)}\n`);
    }
    process.exitCode = 1;
  },
);
