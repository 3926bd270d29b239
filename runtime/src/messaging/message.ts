import { AppError, errorCodes } from '../errors/index.ts';

/**
 * The messaging vocabulary of the platform (after Watermill): Message, Publisher,
 * Subscriber, Handler and Middleware. Transports (AMQP, in-process) implement
 * Publisher and Subscriber; generated typed functions sit above them.
 */

/** One message: opaque payload bytes plus string metadata (see metadata.ts for keys). */
export interface Message {
  /** Unique per event; the AMQP `messageId`. Consumers use it for logging and tracing. */
  readonly id: string;
  /** Encoded payload (JSON for platform events). */
  readonly payload: Uint8Array;
  /** Properties and headers; keys are the constants of metadata.ts. */
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Publishes messages to a topic (the AMQP routing key).
 * `publish` resolves only when the transport has taken durable responsibility for every
 * message (publisher confirm for AMQP); it rejects if any message was not confirmed, in
 * which case the caller must treat every message of the call as unpublished.
 */
export interface Publisher {
  publish(topic: string, messages: readonly Message[]): Promise<void>;
  /** Waits for in-flight publishes, then releases the connection. */
  close(): Promise<void>;
}

/**
 * Processes one message. Resolving acknowledges it (it will not be delivered again);
 * rejecting hands it to the transport's failure policy, normally shaped by middleware
 * (retry, then dead-letter). A handler must be idempotent: delivery is at least once.
 */
export type Handler = (message: Message) => Promise<void>;

/** Cross-cutting behaviour around a handler: `(next) => handler`. */
export type Middleware = (next: Handler) => Handler;

/** A running subscription; `close` stops taking new messages and waits for the one in hand. */
export interface Subscription {
  close(): Promise<void>;
}

/**
 * Topics a subscription receives: one topic or several. A topic is a routing key such as
 * `platform.updated`, or a pattern in AMQP topic syntax (`*` one word, `#` zero or more).
 */
export type Topics = string | readonly string[];

/**
 * Delivers the messages of one queue to a handler. The queue is the subscriber's (named when it
 * was created) and receives every message published to any of the topics it is subscribed to,
 * whatever their type: one queue, many message types (dispatch them with `routeByType`).
 * Messages are acknowledged only after the handler resolves; a handler rejection is never
 * silently dropped.
 */
export interface Subscriber {
  /**
   * Binds the queue to `topics` and consumes it with `handler`. Several subscriptions of one
   * queue compete for its messages, so they must name the same topics (a queue has one set of
   * bindings); a different set is refused.
   */
  subscribe(topics: Topics, handler: Handler): Promise<Subscription>;
  /** Closes every subscription, then releases the connection. */
  close(): Promise<void>;
}

/** `topics` as a non-empty list without duplicates, in order; throws on an empty or blank topic. */
export function topicList(topics: Topics): readonly string[] {
  const list = [...new Set(typeof topics === 'string' ? [topics] : topics)];
  if (list.length === 0 || list.some((topic) => typeof topic !== 'string' || topic.trim() === '')) {
    throw new AppError(errorCodes.invalidArgument, `cannot subscribe: topics must be non-empty strings, got ${JSON.stringify(topics)}`);
  }
  return list;
}

/** Whether two topic lists bind a queue the same way (same topics, any order). */
export function sameTopics(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((topic) => b.includes(topic));
}

/** Applies middleware so that the first one listed is the outermost. */
export function applyMiddleware(handler: Handler, ...middleware: readonly Middleware[]): Handler {
  return middleware.reduceRight<Handler>((next, wrap) => wrap(next), handler);
}
