import { KbusError, redactValue, registerSecret } from '@kbus/core';
import { type KafkaConfig, logLevel, type SASLOptions } from 'kafkajs';
import { closedAtFirstRequest, type FailureContext } from '../errors.ts';
import { tlsSettings } from '../security.ts';
import type { ClientOptions } from '../types.ts';
import { fromClientError } from './errors.ts';

const LOG_LEVELS = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
} as const;

/** The secrets of a client's configuration, registered with the redaction rule. */
function registerSecrets(options: ClientOptions): void {
  if (options.sasl && 'password' in options.sasl) registerSecret(options.sasl.password);
  if (options.ssl && typeof options.ssl === 'object') {
    for (const name of ['key', 'passphrase', 'pfx']) {
      const value = (options.ssl as Record<string, unknown>)[name];
      for (const item of Array.isArray(value) ? value : [value]) {
        const secret = (item as { pem?: unknown; buf?: unknown; passphrase?: unknown } | undefined) ?? undefined;
        registerSecret(item);
        if (secret && typeof secret === 'object') {
          registerSecret(secret.pem);
          registerSecret(secret.buf);
          registerSecret(secret.passphrase);
        }
      }
    }
  }
}

export function kafkaConfig(options: ClientOptions): KafkaConfig {
  registerSecrets(options);
  if (options.brokers.length === 0) {
    throw new KbusError(
      'INVALID_CONFIGURATION',
      'no Kafka brokers given: pass brokers: ["host:9092", …] (or set KAFKA_BROKERS)',
    );
  }
  return {
    clientId: options.clientId ?? 'kbus',
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    logLevel: LOG_LEVELS[options.logLevel ?? 'nothing'],
    // Every log line goes through the redaction rule, to the user's logger or the console.
    logCreator:
      () =>
      ({ namespace, level, log }: { namespace: string; level: logLevel; log: { message: string } }) => {
        const entry = redactValue({
          ...log,
          level: logLevel[level] ?? String(level),
          namespace,
          message: log.message,
        }) as { level: string; namespace: string; message: string; [key: string]: unknown };
        if (options.logger) options.logger(entry);
        else console.log(JSON.stringify(entry));
      },
    ...(options.ssl === undefined || options.ssl === false
      ? {}
      : { ssl: options.ssl === true ? true : tlsSettings(options.ssl) }),
    ...(options.sasl === undefined ? {} : { sasl: kafkaJsSasl(options.sasl) }),
  };
}

function kafkaJsSasl(sasl: NonNullable<ClientOptions['sasl']>): SASLOptions {
  if (sasl.mechanism !== 'oauthbearer') return { ...sasl };
  return {
    mechanism: 'oauthbearer',
    oauthBearerProvider: async () => {
      const token = await sasl.token();
      registerSecret(token.value);
      return { value: token.value, ...(token.extensions ? { extensions: { ...token.extensions } } : {}) };
    },
  } as SASLOptions;
}

/** Connecting: a connection closed at the first request, without TLS, probably met a TLS listener. */
export function connectFailure(error: unknown, what: string, options: ClientOptions, resource: FailureContext = {}) {
  const mapped = fromClientError(error, what, 'KAFKA_ERROR', { brokers: options.brokers, ...resource });
  const closedAtOnce = (error as { cause?: { name?: string } })?.cause?.name === 'KafkaJSConnectionClosedError';
  return !options.ssl && closedAtOnce && mapped.code === 'KAFKA_ERROR' ? closedAtFirstRequest(error, what) : mapped;
}
