// First: an older Node.js gets one clear message before anything else loads.
import '@kbus/core/node-check';

export type { RelayOptions, TableOptions } from './options.ts';
export {
  type AddedEvent,
  type AddOptions,
  createOutbox,
  type Outbox,
  type OutboxEvent,
  type OutboxOptions,
} from './outbox.ts';
export { createRelay, type Relay, type RelayStats } from './relay.ts';
export { migrate, migrationSql, type Queryable } from './schema.ts';
