import { readFileSync } from 'node:fs';
import { isKbusError } from '@kbus/core';
import { type CommandSpec, commandHelp, runCommand } from './command.ts';
import { asyncapi } from './commands/asyncapi.ts';
import { dltLs, dltRedrive, dltShow } from './commands/dlt.ts';
import { groupsLag, groupsLs, groupsReset } from './commands/groups.ts';
import { schemasCheck, schemasPrint, schemasRegister } from './commands/schemas.ts';
import { tail } from './commands/tail.ts';
import { topicsEnsure } from './commands/topics.ts';
import { EXIT } from './errors.ts';
import type { Streams } from './output.ts';

/** Every command, by the words that name it. */
export const COMMANDS: readonly CommandSpec[] = [
  tail,
  dltLs,
  dltShow,
  dltRedrive,
  groupsLs,
  groupsLag,
  groupsReset,
  schemasCheck,
  schemasRegister,
  schemasPrint,
  asyncapi,
  topicsEnsure,
];

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length + c.args.length)) + 4;
  return [
    'usage: kbus <command> [arguments] [flags]',
    '',
    'Operate kbus events on Kafka from a terminal: read topics, handle dead letters, move consumer',
    'groups, check schemas, export an AsyncAPI catalogue.',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${`${c.name} ${c.args}`.padEnd(width)}${c.brief}`),
    '',
    'connection (commands that talk to Kafka or the registry):',
    '  --brokers <host:port,…>   or KAFKA_BROKERS',
    '  --registry <url>          or SCHEMA_REGISTRY_URL (SCHEMA_REGISTRY_USERNAME/_PASSWORD for basic auth)',
    '  --config <file>           or KBUS_CONFIG; default ./kbus.config.json: {"brokers": [...], "registry": "..."}',
    '  (a flag wins over the environment, which wins over the config file)',
    '',
    'secured clusters (the variables `npm run stack -- up --secure` prints; files are PEM):',
    '  --security-protocol <p>   or KAFKA_SECURITY_PROTOCOL: PLAINTEXT (default), SSL, SASL_PLAINTEXT, SASL_SSL',
    '  --sasl-mechanism <m>      or KAFKA_SASL_MECHANISM: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512',
    '  --sasl-username <name>    or KAFKA_SASL_USERNAME',
    '  --sasl-password-file <f>  or KAFKA_SASL_PASSWORD (a password is never taken as a flag)',
    '  --ssl-ca <file>           or KAFKA_SSL_CA_LOCATION',
    '  --ssl-cert, --ssl-key     or KAFKA_SSL_CERTIFICATE_LOCATION, KAFKA_SSL_KEY_LOCATION (mTLS; KAFKA_SSL_KEY_PASSWORD)',
    '  --registry-ca <file>      or SCHEMA_REGISTRY_CA_LOCATION; basic auth: SCHEMA_REGISTRY_USER_INFO=user:password',
    '  config file: "securityProtocol", "sasl": {"mechanism", "username", "passwordFile"},',
    '  "ssl": {"caLocation", "certificateLocation", "keyLocation"}, "registry": {"url", "userInfo", "caLocation"}',
    '  (paths relative to the config file). A combination that cannot work exits 2; no secret is printed.',
    '',
    'output: aligned text with colour on a terminal; --json prints one JSON object per line.',
    'exit codes: 0 ok, 1 a check failed or the operation failed or was refused, 2 usage.',
    '',
    'examples:',
    '  kbus tail auth.user-account --from 2026-12-01T10:00:00Z --max 20',
    '  kbus dlt ls auth.user-account.dlt',
    '  kbus groups reset audit --to earliest --dry-run',
    '  kbus schemas check src/contracts.ts',
    '  kbus groups ls --security-protocol SASL_SSL --sasl-mechanism SCRAM-SHA-512 --sasl-username svc \\',
    '    --sasl-password-file ./password --ssl-ca ca.pem',
    '',
    "Run 'kbus <command> --help' for a command's flags and examples.",
  ].join('\n');
}

function find(argv: readonly string[]): { spec: CommandSpec; rest: readonly string[] } | undefined {
  for (const spec of COMMANDS) {
    const words = spec.name.split(' ');
    if (words.every((w, i) => argv[i] === w)) return { spec, rest: argv.slice(words.length) };
  }
  return undefined;
}

/**
 * Runs `kbus` with these arguments; resolves to the exit code. Errors of the SDK are printed
 * with their code (exit 1); wrong usage prints help (exit 2).
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
export async function main(
  argv: readonly string[],
  streams: Streams = { stdout: process.stdout, stderr: process.stderr },
  signal: AbortSignal = new AbortController().signal,
): Promise<number> {
  const [first] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    (first === undefined ? streams.stderr : streams.stdout).write(`${mainHelp()}\n`);
    return first === undefined ? EXIT.usage : EXIT.ok;
  }
  if (first === '--version') {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    streams.stdout.write(`${manifest.version}\n`);
    return EXIT.ok;
  }
  const found = find(argv);
  if (!found) {
    const group = COMMANDS.filter((c) => c.name.split(' ')[0] === first);
    if (group.length > 0) {
      const asked = argv[1] === '--help' || argv[1] === '-h';
      (asked ? streams.stdout : streams.stderr).write(
        `${asked ? '' : `kbus ${first}: ${argv[1] === undefined ? 'missing' : `unknown`} subcommand${argv[1] === undefined ? '' : ` ${argv[1]}`}\n\n`}${group
          .map((c) => commandHelp(c).split('\n').slice(0, 3).join('\n'))
          .join('\n\n')}\n`,
      );
      return asked ? EXIT.ok : EXIT.usage;
    }
    streams.stderr.write(`kbus: unknown command ${JSON.stringify(first)}\n\n${mainHelp()}\n`);
    return EXIT.usage;
  }
  try {
    return await runCommand(found.spec, found.rest, streams, signal);
  } catch (error) {
    const message = isKbusError(error) ? `${error.code}: ${error.message}` : String((error as Error)?.stack ?? error);
    streams.stderr.write(`kbus ${found.spec.name}: ${message}\n`);
    return EXIT.failed;
  }
}
