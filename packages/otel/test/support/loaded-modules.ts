// Prints every module a service using the SDK (publisher, subscriber, outbox) loads.
import { registerHooks } from 'node:module';

const loaded = new Set<string>();
registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context);
    loaded.add(resolved.url);
    return resolved;
  },
});
await import('@kbus/publisher');
await import('@kbus/subscriber');
await import('@kbus/outbox');
process.stdout.write(JSON.stringify([...loaded]));
