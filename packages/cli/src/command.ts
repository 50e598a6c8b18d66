import { type ParseArgsOptionDescriptor, parseArgs } from 'node:util';
import { type Connection, type ConnectionFlags, NO_CONNECTION, resolveConnection } from './config.ts';
import { UsageError } from './errors.ts';
import { createOutput, type Output, type Streams } from './output.ts';

export interface FlagSpec extends ParseArgsOptionDescriptor {
  /** `<value>` placeholder and description for --help. */
  readonly value?: string;
  readonly description: string;
  /** Parsed but not listed in --help (a flag that only exists to refuse a mistake). */
  readonly hidden?: boolean;
}

/** One `kbus` command: its flags, its help and what it does. */
export interface CommandSpec {
  /** E.g. `groups reset`. */
  readonly name: string;
  /** One line for `kbus --help`. */
  readonly brief: string;
  readonly summary: string;
  /** Positional arguments, e.g. `<group>`. */
  readonly args: string;
  readonly flags: Readonly<Record<string, FlagSpec>>;
  readonly examples: readonly string[];
  /** Extra help text (what the output means). */
  readonly details?: string;
  /** Whether the connection flags (--brokers, --registry, --config) apply. */
  readonly connects: boolean;
  run(context: CommandContext): Promise<number>;
}

export interface CommandContext {
  readonly positionals: readonly string[];
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly connection: Connection;
  readonly out: Output;
  /** Aborted on SIGINT/SIGTERM: long-running commands stop cleanly. */
  readonly signal: AbortSignal;
}

const CONNECTION_FLAGS: Readonly<Record<string, FlagSpec>> = {
  brokers: { type: 'string', value: '<host:port,…>', description: 'Kafka bootstrap brokers (default: $KAFKA_BROKERS)' },
  registry: { type: 'string', value: '<url>', description: 'schema registry URL (default: $SCHEMA_REGISTRY_URL)' },
  config: {
    type: 'string',
    value: '<file>',
    description:
      'JSON config file with "brokers", "registry" and the security settings (default: $KBUS_CONFIG or ./kbus.config.json)',
  },
  'security-protocol': {
    type: 'string',
    value: '<protocol>',
    description: 'PLAINTEXT (default), SSL, SASL_PLAINTEXT or SASL_SSL (default: $KAFKA_SECURITY_PROTOCOL)',
  },
  'sasl-mechanism': {
    type: 'string',
    value: '<mechanism>',
    description: 'PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (default: $KAFKA_SASL_MECHANISM)',
  },
  'sasl-username': { type: 'string', value: '<name>', description: 'SASL user (default: $KAFKA_SASL_USERNAME)' },
  'sasl-password-file': {
    type: 'string',
    value: '<file>',
    description: 'file holding the SASL password (or set $KAFKA_SASL_PASSWORD; never a flag)',
  },
  'sasl-password': {
    type: 'string',
    hidden: true,
    description: 'refused: a password on the command line shows in the process list and shell history',
  },
  'ssl-ca': {
    type: 'string',
    value: '<file>',
    description: "PEM of the CA that signed the brokers' certificates (default: $KAFKA_SSL_CA_LOCATION)",
  },
  'ssl-cert': {
    type: 'string',
    value: '<file>',
    description: 'client certificate PEM for mTLS (default: $KAFKA_SSL_CERTIFICATE_LOCATION)',
  },
  'ssl-key': {
    type: 'string',
    value: '<file>',
    description: 'client key PEM for mTLS (default: $KAFKA_SSL_KEY_LOCATION; passphrase: $KAFKA_SSL_KEY_PASSWORD)',
  },
  'registry-ca': {
    type: 'string',
    value: '<file>',
    description:
      "PEM of the CA that signed the registry's certificate (default: $SCHEMA_REGISTRY_CA_LOCATION); basic auth: $SCHEMA_REGISTRY_USER_INFO=user:password",
  },
};

const OUTPUT_FLAGS: Readonly<Record<string, FlagSpec>> = {
  json: { type: 'boolean', description: 'one JSON object per line on stdout, for scripts' },
  'no-color': { type: 'boolean', description: 'no colour even on a terminal (also: NO_COLOR=1)' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

function allFlags(spec: CommandSpec): Record<string, FlagSpec> {
  return { ...spec.flags, ...(spec.connects ? CONNECTION_FLAGS : {}), ...OUTPUT_FLAGS };
}

export function commandHelp(spec: CommandSpec): string {
  const flags = Object.entries(allFlags(spec))
    .filter(([, flag]) => !flag.hidden)
    .map(([name, flag]) => {
      const short = flag.short ? `-${flag.short}, ` : '';
      return [`  ${short}--${name}${flag.value ? ` ${flag.value}` : ''}`, flag.description] as const;
    });
  const width = Math.max(...flags.map(([left]) => left.length)) + 2;
  return [
    `usage: kbus ${spec.name}${spec.args ? ` ${spec.args}` : ''} [flags]`,
    '',
    `${spec.summary}`,
    ...(spec.details ? ['', spec.details] : []),
    '',
    'flags:',
    ...flags.map(([left, description]) => `${left.padEnd(width)}${description}`),
    '',
    'examples:',
    ...spec.examples.map((e) => `  ${e}`),
    '',
    'exit codes: 0 ok, 1 check failed or operation failed/refused, 2 usage',
  ].join('\n');
}

/** Parses the arguments after the command name and runs it; usage errors become exit 2. */
export async function runCommand(
  spec: CommandSpec,
  argv: readonly string[],
  streams: Streams,
  signal: AbortSignal,
): Promise<number> {
  const flags = allFlags(spec);
  let parsed: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(
        Object.entries(flags).map(([name, { type, short, multiple }]) => [
          name,
          { type, ...(short ? { short } : {}), ...(multiple ? { multiple } : {}) },
        ]),
      ),
    }) as typeof parsed;
  } catch (error) {
    streams.stderr.write(`kbus ${spec.name}: ${(error as Error).message}\n\n${commandHelp(spec)}\n`);
    return 2;
  }
  if (parsed.values.help) {
    streams.stdout.write(`${commandHelp(spec)}\n`);
    return 0;
  }
  const out = createOutput(streams, {
    json: parsed.values.json === true,
    color: parsed.values['no-color'] === true ? false : undefined,
  });
  try {
    if (parsed.values['sasl-password'] !== undefined) {
      throw new UsageError(
        '--sasl-password is not taken: a password on the command line shows in the process list and shell history; set KAFKA_SASL_PASSWORD or pass --sasl-password-file <file>',
      );
    }
    const connection = spec.connects ? resolveConnection(parsed.values as ConnectionFlags) : NO_CONNECTION;
    return await spec.run({ positionals: parsed.positionals, values: parsed.values, connection, out, signal });
  } catch (error) {
    if (error instanceof UsageError) {
      streams.stderr.write(`kbus ${spec.name}: ${error.message}\n(see kbus ${spec.name} --help)\n`);
      return 2;
    }
    throw error;
  }
}

/** A string flag's value (undefined when absent). */
export function stringFlag(context: CommandContext, name: string): string | undefined {
  const value = context.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function listFlag(context: CommandContext, name: string): string[] {
  const value = context.values[name];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

export function positiveIntFlag(context: CommandContext, name: string): number | undefined {
  const text = stringFlag(context, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--${name} must be a positive integer, not ${JSON.stringify(text)}`);
  return n;
}

/** Exactly `count` positional arguments, named for the message. */
export function expectArgs(context: CommandContext, names: readonly string[], variadic = false): string[] {
  const { positionals } = context;
  if (positionals.length < names.length || (!variadic && positionals.length > names.length)) {
    throw new UsageError(
      positionals.length < names.length
        ? `missing ${names.slice(positionals.length).join(' ')}`
        : `unexpected argument ${JSON.stringify(positionals[names.length])}`,
    );
  }
  return [...positionals];
}
