import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import type * as z from 'zod';
import { isTlsErrorCode, KbusError } from '../errors.ts';
import type { registryAuthSchema, tlsSettingsSchema } from '../options/registry.ts';
import { redact, registerSecret } from '../redact.ts';

/** Where the Confluent-compatible API lives on Apicurio (the path users forget). */
const CCOMPAT_PATH = '/apis/ccompat/v7';

/** Confluent's "not found" answers: subject (40401), version (40402), schema (40403). */
const NOT_FOUND_CODES = new Set([40401, 40402, 40403]);

/** The registry options' `auth` and `tls` (declared in options/registry.ts). */
type AuthOption = z.input<typeof registryAuthSchema>;
type TlsOption = z.input<typeof tlsSettingsSchema>;

export interface HttpSettings {
  /** Base URL without userinfo (credentials are moved to `authorization`). */
  readonly baseUrl: string;
  /** The Authorization header of the next request: basic auth, a bearer token from the provider, or none. */
  readonly authorization: () => Promise<string | undefined>;
  /** The HTTPS agent, with the CA and client certificate of `tls`. */
  readonly agent: Agent | undefined;
  readonly clientId: string;
  /** Failed attempts retried (network errors, 5xx, 408, 429, answers that are not the API's). */
  readonly retries: number;
  readonly timeoutMs: number;
  readonly attemptTimeoutMs: number;
}

/** The answer of one call: a JSON body the caller checks, or Confluent's "not found" (404 4040x). */
export type HttpAnswer =
  | { readonly found: true; readonly body: unknown }
  | { readonly found: false; readonly errorCode: number };

/**
 * Splits credentials off a registry URL: `http://user:secret@host` becomes `http://host`
 * plus a basic-auth header, so the URL the SDK prints never carries them.
 */
export function httpSettings(options: {
  readonly url: string;
  readonly auth?: AuthOption | undefined;
  readonly tls?: TlsOption | undefined;
  readonly clientId?: string | undefined;
  readonly retries?: number | undefined;
  readonly timeoutMs?: number | undefined;
  readonly attemptTimeoutMs?: number | undefined;
}): HttpSettings {
  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch (error) {
    throw new KbusError(
      'INVALID_CONFIGURATION',
      `registry.url must be an http(s) URL, not ${JSON.stringify(options.url)}`,
      {
        cause: error,
      },
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new KbusError(
      'INVALID_CONFIGURATION',
      `registry.url must be an http(s) URL, not ${JSON.stringify(options.url)}`,
    );
  }
  let auth = options.auth;
  if (parsed.username || parsed.password) {
    const username = decodeURIComponent(parsed.username);
    const password = decodeURIComponent(parsed.password);
    registerSecret(password);
    registerSecret(parsed.password);
    auth ??= { username, password };
    parsed.username = '';
    parsed.password = '';
  }
  const baseUrl = parsed.toString().replace(/\/+$/, '');
  return {
    baseUrl,
    authorization: authorizationOf(auth),
    agent: options.tls || parsed.protocol === 'https:' ? tlsAgent(options.tls ?? {}) : undefined,
    clientId: options.clientId ?? 'kbus',
    retries: options.retries ?? 3,
    timeoutMs: options.timeoutMs ?? 15_000,
    attemptTimeoutMs: options.attemptTimeoutMs ?? 5_000,
  };
}

function authorizationOf(auth: AuthOption | undefined): HttpSettings['authorization'] {
  if (!auth) return async () => undefined;
  if ('username' in auth) {
    registerSecret(auth.password);
    const basic = Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64');
    registerSecret(basic);
    return async () => `Basic ${basic}`;
  }
  return async () => {
    const token = await auth.token();
    registerSecret(token);
    return `Bearer ${token}`;
  };
}

function tlsAgent(tls: TlsOption): Agent {
  const { ca, ...rest } = tls;
  if (rest.key) registerSecret(String(rest.key));
  if (rest.passphrase) registerSecret(rest.passphrase);
  const cas = ca === undefined ? undefined : typeof ca === 'string' || Buffer.isBuffer(ca) ? ca : [...ca];
  const settings = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
  return new Agent({ keepAlive: true, ...settings, ...(cas === undefined ? {} : { ca: cas }) });
}

/** Why one attempt did not give an answer; `retry` says whether asking again may help. */
interface Failure {
  readonly code: 'REGISTRY_UNAVAILABLE' | 'REGISTRY_REJECTED' | 'SCHEMA_INCOMPATIBLE' | 'TLS_FAILED';
  readonly reason: string;
  readonly status: number | undefined;
  readonly retry: boolean;
  /** The attempt waited its whole bound: the next one goes out at once. */
  readonly timedOut?: boolean;
  readonly cause?: unknown;
}

const NETWORK_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused (nothing listens there)',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved (DNS)',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ETIMEDOUT: 'the connection timed out',
  ECONNABORTED: 'the connection closed before an answer',
};

/** A TLS failure in an error's chain (an unknown CA, a name mismatch, a refused client certificate). */
function tlsFailure(error: unknown): string | undefined {
  let current = error as { code?: string; cause?: unknown; message?: string } | undefined;
  for (let depth = 0; current && depth < 5; depth++) {
    if (isTlsErrorCode(current.code)) return `${current.message ?? current.code} (${current.code})`;
    current = current.cause as typeof current;
  }
  return undefined;
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

const MAX_REDIRECTS = 5;

/**
 * An exchange that follows redirects as fetch did (an ingress redirecting http to https, a
 * trailing slash): 307/308 for any method, 301/302/303 for GET only, at most five; the
 * credentials go only to the registry's own origin.
 */
async function followingRedirects(
  settings: HttpSettings,
  method: string,
  url: string,
  headers: Record<string, string>,
  body: string | undefined,
  signal: AbortSignal,
): Promise<{ status: number; text: string }> {
  let target = url;
  const origin = new URL(url).origin;
  for (let hops = 0; ; hops++) {
    const sameOrigin = new URL(target).origin === origin;
    const { authorization, ...anonymous } = headers;
    const response = await exchange(settings, method, target, sameOrigin ? headers : anonymous, body, signal);
    const follows =
      response.status === 307 ||
      response.status === 308 ||
      (method === 'GET' && [301, 302, 303].includes(response.status));
    if (!follows || !response.location || hops >= MAX_REDIRECTS) return response;
    target = new URL(response.location, target).toString();
  }
}

/** One HTTP exchange on node:http(s) (fetch cannot be given a CA or a client certificate). */
function exchange(
  settings: HttpSettings,
  method: string,
  url: string,
  headers: Record<string, string>,
  body: string | undefined,
  signal: AbortSignal,
): Promise<{ status: number; text: string; location?: string | undefined }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      target,
      {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) },
        signal,
        ...(target.protocol === 'https:' && settings.agent ? { agent: settings.agent } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('error', reject);
        res.once('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            location: res.headers.location,
          }),
        );
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

function networkReason(error: unknown): string {
  let current = error as { code?: string; cause?: unknown; message?: string } | undefined;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current.code && NETWORK_REASONS[current.code]) return NETWORK_REASONS[current.code] as string;
    current = current.cause as typeof current;
  }
  return `no answer (${(error as Error)?.message ?? String(error)})`;
}

/** The first characters of a body, for a message. */
function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${flat.slice(0, 60)}…` : flat;
}

function pathHint(baseUrl: string): string {
  return new URL(baseUrl).pathname.includes('/apis/ccompat/')
    ? ''
    : `; is the URL the Confluent-compatible API? Apicurio serves it at …${CCOMPAT_PATH} (e.g. ${baseUrl}${CCOMPAT_PATH})`;
}

async function attempt(
  settings: HttpSettings,
  method: string,
  path: string,
  body: unknown,
  timeoutMs: number,
): Promise<HttpAnswer | Failure> {
  let response: { status: number; text: string; location?: string | undefined };
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    // The token provider is part of the attempt: one that never answers ends it at its bound.
    const authorization = await untilAborted(settings.authorization(), signal);
    response = await followingRedirects(
      settings,
      method,
      `${settings.baseUrl}${path}`,
      {
        accept: 'application/vnd.schemaregistry.v1+json, application/json',
        'user-agent': settings.clientId,
        ...(body === undefined ? {} : { 'content-type': 'application/vnd.schemaregistry.v1+json' }),
        ...(authorization ? { authorization } : {}),
      },
      body === undefined ? undefined : JSON.stringify(body),
      signal,
    );
  } catch (error) {
    const tls = tlsFailure(error);
    if (tls) {
      return {
        code: 'TLS_FAILED',
        reason: `the TLS connection failed: ${tls}; check registry.tls: the CA that signed its certificate (tls.ca), the name it carries, a client certificate if it requires one`,
        status: undefined,
        retry: false,
        cause: error,
      };
    }
    const timedOut = signal.aborted;
    return {
      code: 'REGISTRY_UNAVAILABLE',
      reason: timedOut ? `no answer within ${timeoutMs} ms` : networkReason(error),
      status: undefined,
      retry: true,
      timedOut,
      cause: error,
    };
  }
  const { status, text } = response;
  let json: unknown;
  let isJson = true;
  try {
    json = text.length === 0 ? undefined : JSON.parse(text);
  } catch {
    isJson = false;
  }
  const errorCode = isJson ? (json as { error_code?: unknown } | undefined)?.error_code : undefined;
  const message = isJson ? (json as { message?: unknown } | undefined)?.message : undefined;
  const said = typeof message === 'string' ? `: ${excerpt(message)}` : text ? `: ${excerpt(text)}` : '';
  if (status >= 200 && status < 300) {
    if (!isJson || json === undefined) {
      return {
        code: 'REGISTRY_UNAVAILABLE',
        reason: `answered ${status} with a body that is not JSON (${excerpt(text) || 'empty'})${pathHint(settings.baseUrl)}`,
        status,
        retry: true,
      };
    }
    return { found: true, body: json };
  }
  if (status === 404) {
    if (typeof errorCode === 'number' && NOT_FOUND_CODES.has(errorCode)) return { found: false, errorCode };
    // A 404 without the API's own "not found" code is a request that missed the API (a
    // wrong path, a proxy or load balancer in between): the registry did not answer.
    return {
      code: 'REGISTRY_UNAVAILABLE',
      reason: `answered 404 from outside the registry API${said}${pathHint(settings.baseUrl)}`,
      status,
      retry: true,
    };
  }
  if (status === 408 || status === 429 || status >= 500) {
    return { code: 'REGISTRY_UNAVAILABLE', reason: `answered ${status}${said}`, status, retry: true };
  }
  if (status === 409)
    return { code: 'SCHEMA_INCOMPATIBLE', reason: `refused an incompatible schema${said}`, status, retry: false };
  const hint =
    status === 401 || status === 403 ? '; check the registry credentials (auth, or user:password in the URL)' : '';
  return { code: 'REGISTRY_REJECTED', reason: `answered ${status}${said}${hint}`, status, retry: false };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One call of the registry's REST API: attempts bounded by `attemptTimeoutMs`, failed ones
 * retried with back-off while `retries` and `timeoutMs` allow (every call this client makes
 * is idempotent: registering a schema already registered returns its id). Rejects with a
 * typed error saying what could not be done (`what`) and why.
 */
export async function registryCall(
  settings: HttpSettings,
  what: string,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body?: unknown,
): Promise<HttpAnswer> {
  const deadline = Date.now() + settings.timeoutMs;
  let failure: Failure | undefined;
  for (let tried = 0; ; tried++) {
    const left = deadline - Date.now();
    const answer = await attempt(settings, method, path, body, Math.max(1, Math.min(settings.attemptTimeoutMs, left)));
    if ('found' in answer) return answer;
    failure = answer;
    const delay = failure.timedOut ? 0 : Math.min(5_000, 100 * 2 ** tried) * (0.8 + 0.4 * Math.random());
    if (!failure.retry || Date.now() + delay >= deadline) break;
    // A hung attempt is sent again while the deadline allows; answers that failed count
    // against `retries`.
    if (!failure.timedOut && tried >= settings.retries) break;
    if (delay > 0) await pause(delay);
  }
  throw registryError(settings, what, failure);
}

function registryError(settings: HttpSettings, what: string, failure: Failure): KbusError {
  const where = settings.baseUrl;
  const prefix =
    failure.code === 'REGISTRY_UNAVAILABLE'
      ? `could not ${what}: the schema registry at ${where} is unavailable: `
      : failure.code === 'TLS_FAILED'
        ? `could not ${what}: the schema registry at ${where}: `
        : `could not ${what}: the schema registry at ${where} `;
  return new KbusError(failure.code, redact(`${prefix}${failure.reason}`), {
    retriable: failure.code === 'REGISTRY_UNAVAILABLE',
    ...(failure.cause === undefined ? {} : { cause: failure.cause }),
    details: { status: failure.status, registry: settings.baseUrl },
  });
}

/**
 * The registry answered, but not with what the API promises (an HTML page, `{}`, an id of
 * 0): a registry fault, retriable, never cached.
 */
export function malformedAnswer(settings: HttpSettings, what: string, expected: string, body: unknown): KbusError {
  const shown = excerpt(typeof body === 'string' ? body : (JSON.stringify(body) ?? String(body)));
  return new KbusError(
    'REGISTRY_UNAVAILABLE',
    `could not ${what}: the schema registry at ${settings.baseUrl} answered ${shown} instead of ${expected}${pathHint(settings.baseUrl)}`,
    { retriable: true, details: { answer: shown } },
  );
}
