/**
 * A relay whose start() fails (RELAY_DATABASE_URL points where no PostgreSQL answers). It
 * reports the error to its parent, stops the relay, and then must exit by itself: nothing
 * may stay open.
 */
import { createRelay } from '../../src/index.ts';

const relay = createRelay({
  connectionString: process.env.RELAY_DATABASE_URL as string,
  brokers: (process.env.KAFKA_BROKERS as string).split(','),
});
try {
  await relay.start();
  process.send?.({ started: true });
} catch (error) {
  const e = error as { name?: string; code?: string; retriable?: boolean; message?: string; stack?: string };
  process.send?.({ name: e.name, code: e.code, retriable: e.retriable, message: e.message, stack: e.stack });
}
await relay.stop();
process.disconnect?.();
