import type * as z from 'zod';
import type { CompatibilityLevel } from '../avro/compatibility.ts';
import { KbusError } from '../errors.ts';
import type { registryAuthSchema, registryOptionsSchema, tlsSettingsSchema } from '../options/registry.ts';
import { type HttpSettings, httpSettings, malformedAnswer, registryCall } from './registry-http.ts';

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

/** How long a "no such schema id" answer is remembered, so a poison stream does not hammer the registry. */
const NEGATIVE_TTL_MS = 30_000;

/** Schema types other than Avro (Confluent's `schemaType`); absent means Avro. */
const AVRO = 'AVRO';

const isId = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 0x7fffffff;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Schema text that parses as JSON of an Avro schema's shape (a name, a record, a union). */
function isSchemaText(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return false;
  }
  return typeof parsed === 'string' || Array.isArray(parsed) || (isObject(parsed) && typeof parsed.type === 'string');
}

/**
 * The schema registry as the serde needs it, with every answer that cannot change cached:
 * a schema id's text never changes, nor does the id of a schema already registered under a
 * subject. Concurrent first uses of one key share one request.
 *
 * Answers are checked as strictly as records: a body that is not what the API promises (an
 * HTML page, `{}`, an id of 0, schema text that is not JSON) is a registry fault
 * (REGISTRY_UNAVAILABLE, retriable) and is never cached; only Confluent's own "not found"
 * (404 with error code 4040x) means not found.
 */
export class RegistryClient {
  /** The base URL, without credentials. */
  readonly url: string;
  private readonly http: HttpSettings;
  private readonly ids = new Map<string, Promise<number>>();
  private readonly schemas = new Map<number, Promise<string>>();
  private readonly missing = new Map<number, number>();

  constructor(options: RegistryOptions) {
    this.http = httpSettings(options);
    this.url = this.http.baseUrl;
  }

  /** Rejects with REGISTRY_UNAVAILABLE (or REGISTRY_REJECTED) unless the registry answers. */
  async ping(): Promise<void> {
    const what = 'reach the schema registry';
    const answer = await registryCall(this.http, what, 'GET', '/subjects');
    if (!answer.found || !Array.isArray(answer.body)) {
      throw malformedAnswer(this.http, what, 'a list of subjects', answer.found ? answer.body : answer.errorCode);
    }
  }

  /** The id of `schema` under `subject`, registering it when `register` is true. Cached. */
  idFor(subject: string, schema: string, register: boolean): Promise<number> {
    const key = `${register ? 'r' : 'l'}\u0000${subject}\u0000${schema}`;
    return this.once(this.ids, key, async () => {
      const what = `${register ? 'register' : 'look up'} the schema of subject "${subject}"`;
      const path = `/subjects/${encodeURIComponent(subject)}${register ? '/versions' : ''}`;
      const answer = await registryCall(this.http, what, 'POST', path, { schema });
      if (!answer.found) {
        throw new KbusError(
          'REGISTRY_REJECTED',
          `schema for subject "${subject}" is not registered in ${this.url}; register it (autoRegister: true, or ` +
            '`kbus schemas register`) before publishing',
          { details: { subject, errorCode: answer.errorCode } },
        );
      }
      const id = isObject(answer.body) ? answer.body.id : undefined;
      if (!isId(id)) throw malformedAnswer(this.http, what, 'a schema id (a positive integer)', answer.body);
      this.schemas.set(id, Promise.resolve(schema));
      return id;
    });
  }

  /** The schema text of an id. Cached forever; "not found" is cached for 30 s. */
  schemaById(id: number): Promise<string> {
    const missingSince = this.missing.get(id);
    if (missingSince !== undefined && Date.now() - missingSince < NEGATIVE_TTL_MS) {
      return Promise.reject(unknownId(id, this.url));
    }
    return this.once(this.schemas, id, async () => {
      const what = `fetch schema id ${id}`;
      const answer = await registryCall(this.http, what, 'GET', `/schemas/ids/${id}`);
      if (!answer.found) {
        this.missing.set(id, Date.now());
        throw unknownId(id, this.url);
      }
      const body = answer.body;
      const type = isObject(body) ? (body.schemaType ?? AVRO) : undefined;
      if (
        isObject(body) &&
        typeof type === 'string' &&
        type.toUpperCase() !== AVRO &&
        typeof body.schema === 'string'
      ) {
        // A real answer: the id names a schema of another kind, which no Avro reader reads.
        throw new KbusError('DECODE_FAILED', `schema id ${id} is a ${type} schema; this SDK reads Avro records only`, {
          details: { schemaId: id, schemaType: type },
        });
      }
      const schema = isObject(body) ? body.schema : undefined;
      if (!isSchemaText(schema)) throw malformedAnswer(this.http, what, 'a schema ({"schema": "<Avro JSON>"})', body);
      return schema;
    });
  }

  /** Every registered version of a subject, oldest first; empty when the subject does not exist. */
  async versions(subject: string): Promise<Array<{ version: number; id: number; schema: string }>> {
    const what = `list versions of subject "${subject}"`;
    const base = `/subjects/${encodeURIComponent(subject)}/versions`;
    const latest = await registryCall(this.http, what, 'GET', `${base}/latest`);
    if (!latest.found) return [];
    const newest = this.version(what, latest.body);
    const all: Array<{ version: number; id: number; schema: string }> = [];
    for (let version = 1; version < newest.version; version++) {
      const found = await registryCall(this.http, what, 'GET', `${base}/${version}`);
      // Deleted versions leave gaps.
      if (found.found) all.push({ ...this.version(what, found.body), version });
    }
    all.push(newest);
    return all;
  }

  private version(what: string, body: unknown): { version: number; id: number; schema: string } {
    if (isObject(body) && isId(body.version) && isId(body.id) && isSchemaText(body.schema)) {
      return { version: body.version, id: body.id, schema: body.schema };
    }
    throw malformedAnswer(this.http, what, 'a subject version ({"version", "id", "schema"})', body);
  }

  /** The subject's compatibility level in the registry (or the global one), if it says. */
  async compatibility(subject: string): Promise<CompatibilityLevel | undefined> {
    const what = `read the compatibility level of subject "${subject}"`;
    const answer = await registryCall(this.http, what, 'GET', `/config/${encodeURIComponent(subject)}`);
    if (!answer.found) return undefined;
    const level = isObject(answer.body) ? (answer.body.compatibilityLevel ?? answer.body.compatibility) : undefined;
    if (level === undefined) return undefined;
    if (typeof level !== 'string') throw malformedAnswer(this.http, what, 'a compatibility level', answer.body);
    return level.toUpperCase() as CompatibilityLevel;
  }

  async setCompatibility(subject: string, level: CompatibilityLevel): Promise<void> {
    const what = `set the compatibility level of subject "${subject}"`;
    const answer = await registryCall(this.http, what, 'PUT', `/config/${encodeURIComponent(subject)}`, {
      compatibility: level,
    });
    if (!answer.found) throw malformedAnswer(this.http, what, 'the level set', answer.errorCode);
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
}

function unknownId(id: number, url: string): KbusError {
  return new KbusError('UNKNOWN_SCHEMA_ID', `schema id ${id} is not known to the registry at ${url}`, {
    details: { schemaId: id },
  });
}
