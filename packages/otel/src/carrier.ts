import type { RawHeaders } from '@kbus/core';
import { type Context, propagation, ROOT_CONTEXT, type TextMapGetter } from '@opentelemetry/api';

/** Reads Kafka headers (text or bytes) for the propagator. */
const headerGetter: TextMapGetter<RawHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get(carrier, key) {
    const value = carrier[key];
    if (value === undefined) return undefined;
    return typeof value === 'string' ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString();
  },
};

/** The producer's context carried in record headers (or stored by the outbox), through the global propagator. */
export function extractContext(headers: RawHeaders | undefined): Context {
  return headers ? propagation.extract(ROOT_CONTEXT, headers, headerGetter) : ROOT_CONTEXT;
}

/** Writes a context into headers through the global propagator, replacing what it wrote before. */
export function injectContext(context: Context, headers: Record<string, string>): void {
  for (const field of propagation.fields()) delete headers[field];
  propagation.inject(context, headers);
}
