/**
 * The one redaction rule for text that leaves the SDK (error messages and details, their
 * causes, dead-letter headers, diagnostics messages, log lines). It removes:
 * - userinfo of URLs (`http://user:secret@host` → `http://***@host`),
 * - values after secret-looking keys (`password=…`, `"token": "…"`, `Authorization: Basic …`),
 * - PEM private keys,
 * - every secret value the SDK was configured with (SASL passwords, registry credentials,
 *   TLS keys and passphrases), registered by the clients that receive them.
 */

const MASK = '***';

/** Secrets of this process's configuration, longest first (a secret containing another is masked whole). */
let secrets: string[] = [];
const known = new Set<string>();

/** Registers a configured secret so that it is masked wherever it would be printed. */
export function registerSecret(value: unknown): void {
  if (typeof value !== 'string' && !Buffer.isBuffer(value)) return;
  const text = typeof value === 'string' ? value : value.toString('utf8');
  // Very short values would mask ordinary words; they are still caught by the patterns.
  if (text.length < 4 || known.has(text)) return;
  known.add(text);
  secrets = [...known].sort((a, b) => b.length - a.length);
}

const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;
const SECRET_ASSIGNMENT =
  /\b(password|passwd|pwd|passphrase|secret|token|api[-_]?key|access[-_]?key|client[-_]?secret|sasl[-_.]?password)("?\s*[:=]\s*"?)([^\s",;&}]+)/gi;
const AUTH_HEADER = /\b(authorization\s*[:=]\s*"?)(basic|bearer|digest)\s+[A-Za-z0-9+/=._~-]+/gi;
const BEARER = /\b(bearer)\s+[A-Za-z0-9+/=._~-]{8,}/gi;
const PEM_KEY = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?(-----END \1PRIVATE KEY-----|$)/g;

/** `text` without secrets. Cheap for text that holds none. */
export function redact(text: string): string {
  let out = text;
  if (out.includes('://')) out = out.replace(URL_USERINFO, `$1${MASK}@`);
  out = out
    .replace(SECRET_ASSIGNMENT, `$1$2${MASK}`)
    .replace(AUTH_HEADER, `$1$2 ${MASK}`)
    .replace(BEARER, `$1 ${MASK}`);
  if (out.includes('PRIVATE KEY')) out = out.replace(PEM_KEY, '[private key redacted]');
  for (const secret of secrets) if (out.includes(secret)) out = out.replaceAll(secret, MASK);
  return out;
}

const SECRET_KEY = /^(password|passwd|passphrase|secret|token|apikey|api[-_]key|authorization)$/i;

/**
 * A copy of `value` (details of an error, a diagnostics message) with strings redacted and
 * secret-named fields masked. Plain data only is copied; other objects are kept as they are.
 */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && (typeof v === 'string' || Buffer.isBuffer(v)) ? MASK : redactValue(v, depth + 1);
  }
  return out;
}

/**
 * Redacts, in place, the message and stack of an error and of what it wraps (`cause`,
 * `errors`): a client library's error kept as a cause must not carry a secret either.
 */
export function scrubError(error: unknown): void {
  const queue = [error];
  for (let seen = 0; seen < queue.length && seen < 20; seen++) {
    const current = queue[seen] as { message?: unknown; stack?: unknown; cause?: unknown; errors?: unknown } | null;
    if (!current || typeof current !== 'object') continue;
    for (const field of ['message', 'stack', 'url'] as const) {
      try {
        const text = (current as Record<string, unknown>)[field];
        if (typeof text === 'string') {
          const clean = redact(text);
          if (clean !== text) (current as Record<string, unknown>)[field] = clean;
        }
      } catch {
        // A read-only or throwing property: leave it.
      }
    }
    if (current.cause !== undefined) queue.push(current.cause);
    if (Array.isArray(current.errors)) queue.push(...current.errors);
  }
}

/**
 * What a thrown value says, as text, whatever it is (an Error, a string, an object without
 * a prototype or a `toString`), redacted.
 */
export function describeThrown(value: unknown): string {
  if (
    value instanceof Error ||
    (typeof value === 'object' && value !== null && typeof (value as Error).message === 'string')
  ) {
    return redact(String((value as Error).message));
  }
  if (typeof value === 'string') return redact(value);
  if (typeof value === 'object' && value !== null) {
    try {
      return redact(JSON.stringify(redactValue(value)) ?? Object.prototype.toString.call(value));
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
  return String(value);
}
