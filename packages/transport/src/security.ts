import type { ConnectionOptions } from 'node:tls';
import type { Pem, TlsOptions } from './types.ts';

/** Node's TLS options for the client's `ssl` (both client libraries take them as they are). */
export function tlsSettings(options: TlsOptions): ConnectionOptions {
  const { ca, ...rest } = options;
  return { ...rest, ...(ca === undefined ? {} : { ca: Array.isArray(ca) ? [...ca] : (ca as Pem) }) };
}
