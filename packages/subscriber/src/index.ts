// First: an older Node.js gets one clear message before anything else loads.
import '@kbus/core/node-check';

export { DLT_HEADERS } from './dead-letter-headers.ts';
export { isRetriable, notRetriable } from './errors.ts';
export { backoff } from './middleware/retry.ts';
export { type PartitionLag, partitionLag, type ResetOffsetsOptions, resetOffsets } from './offsets.ts';
export type { RetryPolicy, StartFrom, SubscriberOptions } from './options.ts';
export { type DeadLetterInfo, type RedriveOptions, type RedriveResult, readDeadLetter, redrive } from './redrive.ts';
export { createSubscriber, type Subscriber, type SubscriberHealth, type SubscriberStats } from './subscriber.ts';
export type {
  Handler,
  HandlerContext,
  Handlers,
  InboundMessage,
  MessageHandler,
  Middleware,
  SubscribedEvent,
  SubscribedType,
} from './types.ts';
export { isPromise } from './types.ts';
