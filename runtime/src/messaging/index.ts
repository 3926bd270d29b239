export { applyMiddleware, sameTopics, topicList } from './message.ts';
export type { Handler, Message, Middleware, Publisher, Subscriber, Subscription, Topics } from './message.ts';
export { routeByType } from './route-by-type.ts';
export { topicMatches } from './topic-pattern.ts';
export { isRedelivered, metadataKeys } from './metadata.ts';
export { backoffDelay, sleep, validateBackoff } from './backoff.ts';
export type { BackoffOptions } from './backoff.ts';
export { createInProcessBus } from './in-process.ts';
export type { InProcessBus, InProcessBusOptions, InProcessDeadLetter } from './in-process.ts';
export { createOutboxRelay } from './outbox-relay.ts';
export type { OutboxRelay, OutboxRelayOptions, OutboxRelayState } from './outbox-relay.ts';
export type { OutboxRecord, OutboxStore } from './outbox-store.ts';
export { createRetryMiddleware, handlerAttempts, retryTransient } from './middleware/retry.ts';
export type { RetryOptions } from './middleware/retry.ts';
export { createDeadLetterMiddleware } from './middleware/dead-letter.ts';
export type { DeadLetterOptions } from './middleware/dead-letter.ts';
export {
  createCorrelatingPublisher,
  createCorrelationMiddleware,
  currentCorrelationId,
  runWithCorrelationId,
  withCorrelationId,
} from './middleware/correlation.ts';
export type { CorrelationOptions } from './middleware/correlation.ts';
export { createTimeoutMiddleware } from './middleware/timeout.ts';
export type { TimeoutOptions } from './middleware/timeout.ts';
