// First: an older Node.js gets one clear message before anything else loads.
import '@kbus/core/node-check';

export type { BatchOptions, BufferOptions, PublisherOptions } from './options.ts';
export {
  type CausedPublisher,
  createPublisher,
  type PublishableEvent,
  type Publisher,
  type PublishItem,
  type PublishOptions,
  type PublishResult,
} from './publisher.ts';
export { type EnsureTopicsOptions, ensureTopics, type TopicReport } from './topics.ts';
