import { Agent } from 'node:https';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type * as z from 'zod';
import type { CompatibilityLevel } from '../avro/compatibility.ts';
import { isTlsErrorCode, KbusError } from '../errors.ts';
import type { registryAuthSchema, registryOptionsSchema, tlsSettingsSchema } from '../options/registry.ts';

/**
 * The schema registry connection; declared, documented and checked in `options/registry.ts`.
 * Credentials in the URL (`https://user:password@host`) are taken as basic auth and removed
 * from it: the URL the SDK shows never carries them.
 */
export type RegistryOptions = z.input<typeof registryOptionsSchema>;
/** HTTP basic auth, or a bearer token provider (called for every request: cache it until it nears expiry). */
export type RegistryAuth = z.input<typeof registryAuthSchema>;
/** TLS to an `https://` registry: the CA that signed its certificate, a client certificate for mTLS. */
export type RegistryTls = z.input<typeof tlsSettingsSchema>;

/** The registry client's HTTP middleware type (its HTTP library's, not re-exported by it). */
type Middleware = NonNullable<ConstructorParameters<typeof SchemaRegistry>[0]['middlewares']>[number];

interface ApiResponse {
  data(): unknown;
}

type ApiCall = (params: Record<string, unknown>) => Promise<ApiResponse>;

/**
 * The HTTP resources of @kafkajs/confluent-schema-registry. Its typed surface has no
 * version listing or config reading, and its `register()` checks and sets compatibility
 * config as a side effect; its `api` object (what its own methods call) does exactly one
 * request each, which is what we cache around.
 */
interface RegistryApi {
  Schema: { find: ApiCall };
  Subject: {
    all: ApiCall;
    latestVersion: ApiCall;
    version: ApiCall;
    registered: ApiCall;
    config: ApiCall;
    updateConfig: ApiCall;
    register: ApiCall;
  };
}

interface ResponseErrorLike {
  status?: number;
  message?: string;
}

/** How long a "no such schema id" answer is remembered, so a poison stream does not hammer the registry. */
const NEGATIVE_TTL_MS = 30_000;

/**
 * The schema registry as the serde needs it, with every answer that cannot change cached:
 * a schema id's text never changes, nor does the id of a schema already registered under a
 * subject. Concurrent first uses of one key share one request.
 */
export class RegistryClient {
  readonly url: string;
  private readonly api: RegistryApi;
  private readonly ids = new Map<string, Promise<number>>();
  private readonly schemas = new Map<number, Promise<string>>();
  private readonly missing = new Map<number, number>();
  private readonly agent: TlsAgent | undefined;
  private readonly timeoutMs: number;

  constructor(options: RegistryOptions) {
    const { url, auth } = splitCredentials(options.url, options.auth);
    this.url = url;
    this.agent = this.url.startsWith('https:') || options.tls ? tlsAgent(options.tls) : undefined;
    const client = new SchemaRegistry({
      host: this.url,
      clientId: options.clientId ?? 'kbus',
      ...(auth && 'username' in auth ? { auth: { username: auth.username, password: auth.password } } : {}),
      ...(auth && !('username' in auth) ? { middlewares: [bearer(auth.token) as unknown as Middleware] } : {}),
      ...(this.agent ? { agent: this.agent } : {}),
      retry: {
        retries: options.retries ?? 3,
        initialRetryTimeInSecs: 0.1,
        maxRetryTimeInSecs: 5,
        factor: 0.2,
        multiplier: 2,
      },
    });
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.api = withDeadlines(
      (client as unknown as { api: RegistryApi }).api,
      this.timeoutMs,
      options.attemptTimeoutMs ?? 5_000,
    );
  }

  /** Rejects with REGISTRY_UNAVAILABLE (or REGISTRY_REJECTED) unless the registry answers. */
  async ping(): Promise<void> {
    try {
      await this.api.Subject.all({});
    } catch (error) {
      throw this.translate(error, 'reach the schema registry');
    }
  }

  /** The id of `schema` under `subject`, registering it when `register` is true. Cached. */
  idFor(subject: string, schema: string, register: boolean): Promise<number> {
    const key = `${register ? 'r' : 'l'}\u0000${subject}\u0000${schema}`;
    return this.once(this.ids, key, async () => {
      const body = { schema };
      try {
        const response = register
          ? await this.api.Subject.register({ subject, body })
          : await this.api.Subject.registered({ subject, body });
        const id = (response.data() as { id: number }).id;
        this.schemas.set(id, Promise.resolve(schema));
        return id;
      } catch (error) {
        if (!register && statusOf(error) === 404) {
          throw new KbusError(
            'REGISTRY_REJECTED',
            `schema for subject "${subject}" is not registered in ${this.url}; register it (autoRegister: true, or ` +
              '`kbus schemas register`) before publishing',
            { cause: error, details: { subject } },
          );
        }
        throw this.translate(error, `${register ? 'register' : 'look up'} the schema of subject "${subject}"`);
      }
    });
  }

  /** The schema text of an id. Cached forever; "not found" is cached for 30 s. */
  schemaById(id: number): Promise<string> {
    const missingSince = this.missing.get(id);
    if (missingSince !== undefined && Date.now() - missingSince < NEGATIVE_TTL_MS) {
      return Promise.reject(unknownId(id, this.url));
    }
    return this.once(this.schemas, id, async () => {
      try {
        const response = await this.api.Schema.find({ id });
        return (response.data() as { schema: string }).schema;
      } catch (error) {
        if (statusOf(error) === 404) {
          this.missing.set(id, Date.now());
          throw unknownId(id, this.url, error);
        }
        throw this.translate(error, `fetch schema id ${id}`);
      }
    });
  }

  /** Every registered version of a subject, oldest first; empty when the subject does not exist. */
  async versions(subject: string): Promise<Array<{ version: number; id: number; schema: string }>> {
    try {
      const latest = (await this.api.Subject.latestVersion({ subject })).data() as {
        version: number;
        id: number;
        schema: string;
      };
      const all: Array<{ version: number; id: number; schema: string }> = [];
      for (let version = 1; version < latest.version; version++) {
        try {
          const found = (await this.api.Subject.version({ subject, version })).data() as { id: number; schema: string };
          all.push({ version, id: found.id, schema: found.schema });
        } catch (error) {
          // Deleted versions leave gaps.
          if (statusOf(error) !== 404) throw error;
        }
      }
      all.push({ version: latest.version, id: latest.id, schema: latest.schema });
      return all;
    } catch (error) {
      if (statusOf(error) === 404) return [];
      throw this.translate(error, `list versions of subject "${subject}"`);
    }
  }

  /** The subject's compatibility level in the registry (or the global one), if it says. */
  async compatibility(subject: string): Promise<CompatibilityLevel | undefined> {
    try {
      const data = (await this.api.Subject.config({ subject })).data() as { compatibilityLevel?: string };
      return data.compatibilityLevel?.toUpperCase() as CompatibilityLevel | undefined;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw this.translate(error, `read the compatibility level of subject "${subject}"`);
    }
  }

  async setCompatibility(subject: string, level: CompatibilityLevel): Promise<void> {
    try {
      await this.api.Subject.updateConfig({ subject, body: { compatibility: level } });
    } catch (error) {
      throw this.translate(error, `set the compatibility level of subject "${subject}"`);
    }
  }

  private once<K, V>(cache: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
    const cached = cache.get(key);
    if (cached) return cached;
    const pending = load();
    cache.set(key, pending);
    // A failed load is not cached: the next use asks again.
    pending.catch(() => {
      if (cache.get(key) === pending) cache.delete(key);
    });
    return pending;
  }

  private translate(error: unknown, what: string): KbusError {
    const status = statusOf(error);
    const detail = (error as ResponseErrorLike)?.message ?? String(error);
    // A TLS failure of this client's connections in the last call's time (its bound) is the cause.
    if (this.agent && this.agent.lastTlsFailure > Date.now() - this.timeoutMs) {
      return new KbusError(
        'TLS_FAILED',
        `could not ${what}: the TLS connection to the schema registry at ${this.url} failed (${detail}); check registry.tls: the CA that signed its certificate (tls.ca), the name it carries, a client certificate if it requires one`,
        { cause: error, retriable: false },
      );
    }
    // The registry client reports network failures (refused, reset, timeout) as status 400
    // with no answer from the registry; the Confluent API itself uses 422 for bad input.
    if (status === undefined || status === 400 || status === 408 || status === 429 || status >= 500) {
      return new KbusError(
        'REGISTRY_UNAVAILABLE',
        `could not ${what}: the schema registry at ${this.url} is unavailable (${detail})`,
        {
          retriable: true,
          cause: error,
          details: { status },
        },
      );
    }
    if (status === 409) {
      return new KbusError(
        'SCHEMA_INCOMPATIBLE',
        `could not ${what}: the registry refused an incompatible schema (${detail})`,
        {
          cause: error,
          details: { status },
        },
      );
    }
    const hint = status === 401 || status === 403 ? '; check the registry credentials (auth)' : '';
    return new KbusError('REGISTRY_REJECTED', `could not ${what}: the registry answered ${status} (${detail})${hint}`, {
      cause: error,
      details: { status },
    });
  }
}

const NO_ANSWER = Symbol('no answer');

/** `promise`, or NO_ANSWER if it has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof NO_ANSWER> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<typeof NO_ANSWER>((resolve) => {
    timer = setTimeout(() => resolve(NO_ANSWER), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/**
 * Each call of the API sends its request again when an attempt has no answer within
 * `attemptMs`, and rejects (as unavailable: no status) when the call has no answer within
 * `timeoutMs`. A request that hangs (a stalled connection, a registry paused for a moment)
 * thus costs one attempt, not the whole call.
 */
function withDeadlines(api: RegistryApi, timeoutMs: number, attemptMs: number): RegistryApi {
  const bound =
    (call: ApiCall): ApiCall =>
    async (params) => {
      const deadline = Date.now() + timeoutMs;
      for (let attempt = 1; ; attempt++) {
        const answer = await within(call(params), Math.max(1, Math.min(attemptMs, deadline - Date.now())));
        if (answer !== NO_ANSWER) return answer;
        if (Date.now() >= deadline) throw new Error(`no answer within ${timeoutMs} ms (${attempt} attempts)`);
      }
    };
  return {
    Schema: { find: bound(api.Schema.find) },
    Subject: {
      all: bound(api.Subject.all),
      latestVersion: bound(api.Subject.latestVersion),
      version: bound(api.Subject.version),
      registered: bound(api.Subject.registered),
      config: bound(api.Subject.config),
      updateConfig: bound(api.Subject.updateConfig),
      register: bound(api.Subject.register),
    },
  };
}

function statusOf(error: unknown): number | undefined {
  const status = (error as ResponseErrorLike)?.status;
  return typeof status === 'number' ? status : undefined;
}

function unknownId(id: number, url: string, cause?: unknown): KbusError {
  return new KbusError('UNKNOWN_SCHEMA_ID', `schema id ${id} is not known to the registry at ${url}`, {
    ...(cause === undefined ? {} : { cause }),
    details: { schemaId: id },
  });
}

/** Credentials in the URL become basic auth (unless auth is given), and leave the URL. */
function splitCredentials(
  raw: string,
  auth: RegistryAuth | undefined,
): { url: string; auth: RegistryAuth | undefined } {
  const trimmed = raw.replace(/\/$/, '');
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return { url: trimmed, auth };
  }
  if (!parsed.username && !parsed.password) return { url: trimmed, auth };
  const fromUrl = { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString().replace(/\/$/, ''), auth: auth ?? fromUrl };
}

/**
 * The HTTPS agent of the registry client. It remembers the last TLS failure of its sockets:
 * the registry client library reports every network failure as "status 400" with only a
 * message, and the TLS error's code is what tells a wrong CA from a registry that is down.
 */
class TlsAgent extends Agent {
  lastTlsFailure = 0;

  override createConnection(...args: Parameters<Agent['createConnection']>): ReturnType<Agent['createConnection']> {
    const socket = super.createConnection(...args);
    socket?.once('error', (error: NodeJS.ErrnoException) => {
      if (isTlsErrorCode(error.code)) this.lastTlsFailure = Date.now();
    });
    return socket;
  }
}

function tlsAgent(tls: RegistryTls = {}): TlsAgent {
  const { ca, ...rest } = tls;
  const cas = ca === undefined ? undefined : typeof ca === 'string' || Buffer.isBuffer(ca) ? ca : [...ca];
  return new TlsAgent({ keepAlive: true, ...rest, ...(cas === undefined ? {} : { ca: cas }) });
}

/** A mappersmith middleware that sends the provider's token as `Authorization: Bearer …`. */
function bearer(token: () => string | Promise<string>) {
  return () => ({
    async prepareRequest(next: () => Promise<{ enhance(change: { headers: Record<string, string> }): unknown }>) {
      const request = await next();
      return request.enhance({ headers: { authorization: `Bearer ${await token()}` } });
    },
  });
}
