/**
 * The options of `createKafkaClient` and `kafka.producer()`, declared once: their types
 * (types.ts) and their check at creation both come from here. The connection pieces
 * (`brokers`, `ssl`, `sasl`) are shared with every entry point that makes its own client.
 */
import {
  anyString,
  booleanOption,
  callback,
  choice,
  listOf,
  nonEmptyString,
  oneOf,
  recognised,
  strictOptions,
  timerMs,
  tlsSettingsSchema,
  wholeNumber,
} from '@kbus/core/options';
import * as z from 'zod';
import type { KafkaClient, OAuthBearerToken } from './types.ts';

/** `host:port`, `[ipv6]:port`; port 1–65535. */
function isBroker(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/.exec(value);
  const port = Number(match?.[2]);
  return match !== null && port >= 1 && port <= 65_535;
}

export const brokersOption = listOf(
  recognised<string>(isBroker, 'a broker address host:port, e.g. "localhost:9092"'),
  'a non-empty list of brokers host:port, e.g. ["localhost:9092"]',
  1,
);

/** `true` for TLS with the system's CAs, or the TLS settings (ca, cert, key, servername, …). */
export const sslOption = oneOf(
  [booleanOption(), tlsSettingsSchema],
  'true, or TLS settings { ca, cert, key, passphrase, servername, rejectUnauthorized }',
);

/** A user name and password (PLAIN, SCRAM), or an OAUTHBEARER token provider. */
export const saslOption = oneOf(
  [
    strictOptions(
      {
        mechanism: choice(['plain', 'scram-sha-256', 'scram-sha-512']),
        username: nonEmptyString(),
        password: anyString(),
      },
      'an object { mechanism, username, password }',
    ),
    strictOptions(
      {
        mechanism: choice(['oauthbearer']),
        token: callback<() => OAuthBearerToken | Promise<OAuthBearerToken>>(
          'a function returning { value } (the token), or a promise of it',
        ),
      },
      "an object { mechanism: 'oauthbearer', token }",
    ),
  ],
  "an object { mechanism, username, password } or { mechanism: 'oauthbearer', token }",
);

const LOG_LEVELS = ['nothing', 'error', 'warn', 'info', 'debug'] as const;
const PRODUCER_CLIENTS = ['kafkajs', 'platformatic'] as const;

export const clientOptionsSchema = strictOptions({
  brokers: brokersOption,
  clientId: nonEmptyString().optional(),
  ssl: sslOption.optional(),
  sasl: saslOption.optional(),
  /** Default 3 s. */
  connectionTimeoutMs: timerMs(1).optional(),
  /** Default 30 s. */
  requestTimeoutMs: timerMs(1).optional(),
  /**
   * The Kafka client's own log (default `nothing`: the SDK reports failures as typed errors,
   * health and diagnostics_channel events; turn this on to debug the client).
   */
  logLevel: choice(LOG_LEVELS).optional(),
  /** Where client log entries go (default: JSON lines on the console). */
  logger:
    callback<
      (entry: { level: string; namespace: string; message: string; [key: string]: unknown }) => void
    >().optional(),
  /**
   * The client library this client's producers send with, unless a producer says otherwise
   * (`ProducerOptions.client`): one setting moves a service's publishers, dead-letter
   * producers and outbox relays together. Default `platformatic` (`kafkajs` for
   * transactional producers).
   */
  producerClient: choice(PRODUCER_CLIENTS).optional(),
});

export const producerOptionsSchema = strictOptions({
  /**
   * The client library that sends: `platformatic` (@platformatic/kafka, the default:
   * maintained, about twice kafkajs's record encoding speed) or `kafkajs` (the default for
   * transactional producers, which the other adapter does not offer). Consumers and admin
   * operations use kafkajs either way.
   */
  client: choice(PRODUCER_CLIENTS).optional(),
  /** Idempotent producer (default true): retries never duplicate or reorder within a partition. */
  idempotent: booleanOption().optional(),
  /** -1 (all in-sync replicas, default), 1 (leader) or 0. */
  acks: z.literal([-1, 0, 1], { error: '-1 (all in-sync replicas), 1 (the leader) or 0' }).optional(),
  /** Retries of one send inside the client (default 10: about 25 s of back-off, enough for a leader election). */
  retries: wholeNumber(0, 1_000).optional(),
  initialRetryTimeMs: timerMs(0).optional(),
  maxRetryTimeMs: timerMs(0).optional(),
  /** How long the broker may take to acknowledge (default 30 s). */
  ackTimeoutMs: timerMs(1).optional(),
  compression: choice(['none', 'gzip']).optional(),
  /** For transactional producers (outbox relays may use one). */
  transactionalId: nonEmptyString().optional(),
});

export const consumerOptionsSchema = strictOptions({
  groupId: nonEmptyString('a consumer group id'),
  /** Default 30 s: a member silent this long is removed from the group. */
  sessionTimeoutMs: timerMs(1).optional(),
  /** Default 60 s: how long members have to rejoin during a rebalance. */
  rebalanceTimeoutMs: timerMs(1).optional(),
  /** Default 3 s. */
  heartbeatIntervalMs: timerMs(1).optional(),
  /** Default 1 MiB. */
  maxBytesPerPartition: wholeNumber(1).optional(),
  /** Default 100 ms: how long a fetch waits for new data. */
  maxWaitTimeMs: timerMs(0).optional(),
});

/** `kafka:` a client from createKafkaClient shared by several entry points. */
export const kafkaClientOption = recognised<KafkaClient>((value) => {
  const client = value as Partial<KafkaClient> | null;
  return (
    typeof client?.producer === 'function' &&
    typeof client.consumer === 'function' &&
    typeof client.admin === 'function' &&
    typeof client.options === 'object'
  );
}, 'a client from createKafkaClient()');
