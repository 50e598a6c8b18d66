import type { AnyEventDefinition } from '../contracts/event.ts';
import { Serde } from '../serde/serde.ts';
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
  wholeNumber,
} from './fields.ts';

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string' || !URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === 'http:' || protocol === 'https:';
}

/** PEM text or its bytes. */
export const pemOption = recognised<string | Buffer>(
  (value) => typeof value === 'string' || Buffer.isBuffer(value),
  'PEM text or a Buffer',
);

/**
 * TLS settings (Node's `tls.connect()` ones that a client needs): the CA that signed the
 * server's certificate, a client certificate and key for mTLS, the name to check.
 */
export const tlsSettingsSchema = strictOptions(
  {
    ca: oneOf(
      [pemOption, listOf(pemOption, 'a list of PEM certificates')],
      'PEM text, a Buffer, or a list of them',
    ).optional(),
    cert: pemOption.optional(),
    key: pemOption.optional(),
    /** The key's passphrase, if it is encrypted. */
    passphrase: anyString().optional(),
    /** The host name the certificate must carry (default: the host connected to). */
    servername: nonEmptyString().optional(),
    /** Default true; false accepts any certificate (tests only). */
    rejectUnauthorized: booleanOption().optional(),
  },
  'an object { ca, cert, key, passphrase, servername, rejectUnauthorized }',
);

export const registryAuthSchema = oneOf(
  [
    strictOptions({ username: nonEmptyString(), password: anyString() }, 'an object { username, password }'),
    strictOptions(
      { token: callback<() => string | Promise<string>>('a function returning the bearer token') },
      'an object { token }',
    ),
  ],
  'an object { username, password } (basic auth) or { token } (a bearer token provider)',
);

/** The schema registry connection (`RegistryOptions`). */
export const registryOptionsSchema = strictOptions({
  /** Base URL of the Confluent-compatible API, e.g. `http://localhost:8081` or Apicurio's `…/apis/ccompat/v7`. */
  url: recognised<string>(isHttpUrl, 'an http(s) URL of the Confluent-compatible API, e.g. "http://localhost:8081"'),
  auth: registryAuthSchema.optional(),
  tls: tlsSettingsSchema.optional(),
  /** Retries of one HTTP request (default 3, exponential from 100 ms, at most 5 s). */
  retries: wholeNumber(0, 100).optional(),
  clientId: nonEmptyString().optional(),
  /** Bound of one call, retries included (default 15 s): a registry that hangs counts as unavailable. */
  timeoutMs: timerMs(1).optional(),
  /**
   * Bound of one HTTP attempt (default 5 s). An attempt without an answer by then is
   * abandoned and the request sent again while `timeoutMs` allows: every request this client
   * makes is idempotent (registering a schema already registered returns its id).
   */
  attemptTimeoutMs: timerMs(1).optional(),
});

/** `registry:` of the publisher, subscriber and outbox: the registry's options, or a Serde shared with others. */
export const registryOption = oneOf(
  [recognised<Serde>((value) => value instanceof Serde, 'a Serde'), registryOptionsSchema],
  'an object { url } (the Confluent-compatible schema registry), or a shared Serde',
);

/** `subjectNaming:` (see SubjectNaming). */
export const subjectNamingOption = oneOf(
  [choice(['topic-record', 'record', 'topic']), callback<(topic: string, event: AnyEventDefinition) => string>()],
  '"topic-record", "record", "topic" or a function (topic, event) => subject',
);
