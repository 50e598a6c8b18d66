/**
 * A relay in its own process for the fault test. RELAY_CRASH_AFTER_BATCH=N: after the
 * broker acknowledged batch N, and before it is marked published, the process tells its
 * parent, waits for a "crash" message, and kills itself.
 */
import { createRelay } from '../../src/index.ts';

const crashAfter = Number(process.env.RELAY_CRASH_AFTER_BATCH ?? 0);
let batches = 0;
const relay = createRelay({
  connectionString: process.env.RELAY_DATABASE_URL as string,
  schema: process.env.RELAY_SCHEMA as string,
  brokers: (process.env.KAFKA_BROKERS as string).split(','),
  batchSize: Number(process.env.RELAY_BATCH_SIZE ?? 50),
  pollIntervalMs: 200,
  hooks: {
    afterPublish: async () => {
      batches++;
      if (crashAfter > 0 && batches >= crashAfter) {
        const go = new Promise((resolve) => process.once('message', resolve));
        process.send?.({ type: 'about-to-crash', batches });
        await go;
        process.kill(process.pid, 'SIGKILL');
      }
    },
  },
});
await relay.start();
process.send?.({ type: 'started' });
process.once('SIGTERM', () => {
  relay.stop().then(() => process.exit(0));
});
