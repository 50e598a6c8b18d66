import { type SecureEndpoints, status, up } from './stack/stack.ts';

/** Where the secured stack is, as the security tests use it. */
export interface SecureTestStack extends SecureEndpoints {
  /** The SASL_SSL listeners. */
  readonly brokers: readonly string[];
  /** The SSL listeners that require a client certificate. */
  readonly mtlsBrokerList: readonly string[];
  /** The registry's TLS + basic-auth front (Confluent-compatible API). */
  readonly registryUrl: string;
}

/**
 * The secured stack (`npm run stack -- up --secure`), started on first use or reused. The test
 * kit's global setup stops it after the run when this run started it (unless KBUS_KEEP_STACK=1).
 */
export async function secureTestStack(): Promise<SecureTestStack> {
  const result = await up({ variant: 'secure' }, (line) => process.stderr.write(`[kbus secure stack] ${line}\n`));
  const security = result.security;
  if (!security) throw new Error('the secured stack did not report its security settings');
  return {
    ...security,
    brokers: result.kafkaBrokers.split(','),
    mtlsBrokerList: security.mtlsBrokers.split(','),
    registryUrl: result.schemaRegistryUrl,
  };
}

/** When the running secured stack started, if one runs. */
export function secureStackStartedAt(): number | undefined {
  const state = status('secure').state;
  return state ? Date.parse(state.startedAt) : undefined;
}

/**
 * An unsecured JWS (`alg: none`) as Kafka's OAUTHBEARER test validator accepts it: `sub` is the
 * principal, `exp` the expiry. Test material only; real clusters validate signed tokens.
 */
export function unsecuredToken(subject: string, lifetimeMs: number, now = Date.now()): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const iat = now / 1000;
  return `${part({ alg: 'none' })}.${part({ sub: subject, iat, exp: iat + lifetimeMs / 1000 })}.`;
}
