import type { Logger } from 'pino';
import { AppError, errorCodes, isAppError } from '../errors/index.ts';
import { createInProcessQueue, type InProcessQueue, type QueuedMessage } from './in-process-queue.ts';
import { sameTopics, topicList, type Message, type Publisher, type Subscriber, type Subscription } from './message.ts';
import { metadataKeys } from './metadata.ts';
import { silentLogger } from './silent-logger.ts';
import { topicMatches } from './topic-pattern.ts';

/** Options of the in-process bus. */
export interface InProcessBusOptions {
  /** Deliveries of one message (the first included) before it moves to the dead-letter list. Default 5. */
  readonly maxDeliveries?: number;
  /** Delay before a rejected message is delivered again, in milliseconds. Default 100. */
  readonly redeliveryDelay?: number;
  /** Logs dead letters at error level. Default: silent. */
  readonly logger?: Logger;
}

/** A message the bus gave up on, kept for inspection. */
export interface InProcessDeadLetter {
  readonly topic: string;
  readonly queue: string;
  readonly message: Message;
  /** Message of the last error. */
  readonly reason: string;
  /** AppError code of the last error, `internal` for any other error. */
  readonly code: string;
  readonly attempts: number;
}

/**
 * An in-memory broker for the single-process development mode and for tests. A queue (named when
 * its subscriber is created) receives a copy of every message published to a topic that one of
 * its bindings matches (AMQP topic patterns: `*` one word, `#` zero or more), whatever its type;
 * subscribers on one queue compete, one message in hand each. Messages published to a topic no
 * queue is bound to yet wait for the first queue that binds it (as a durable queue would).
 * Nothing survives the process.
 */
export interface InProcessBus {
  /** Resolves once every matching queue holds its copy; its `close` is a no-op (`bus.close()` ends everything). */
  readonly publisher: Publisher;
  /** A subscriber on a named queue; two queues bound to one topic each get every message. */
  createSubscriber(options: { readonly queue: string }): Subscriber;
  /**
   * A publisher for the dead-letter middleware: what it publishes is kept in `deadLetters()`
   * (topic: the dead-letter topic; reason, code and attempts from the dead-letter metadata)
   * instead of going to a queue, where nothing would ever read it.
   */
  readonly deadLetterPublisher: Publisher;
  /** Messages given up on, oldest first: rejected `maxDeliveries` times, or published to `deadLetterPublisher`. */
  deadLetters(): readonly InProcessDeadLetter[];
  /** Refuses new publishes and subscriptions, stops every subscription and waits for the handlers in flight. */
  close(): Promise<void>;
}

/** Creates an in-process bus; delivery is always asynchronous, never inside `publish`. */
export function createInProcessBus(options: InProcessBusOptions = {}): InProcessBus {
  const invalid = (why: string): never => {
    throw new AppError(errorCodes.invalidConfig, `cannot create in-process bus: ${why}`);
  };
  const maxDeliveries = options.maxDeliveries ?? 5;
  const redeliveryDelay = options.redeliveryDelay ?? 100;
  if (!Number.isInteger(maxDeliveries) || maxDeliveries < 1) invalid(`maxDeliveries must be an integer >= 1, got ${maxDeliveries}`);
  if (!Number.isFinite(redeliveryDelay) || redeliveryDelay < 0) invalid(`redeliveryDelay must be a finite number >= 0, got ${redeliveryDelay}`);
  const logger = options.logger ?? silentLogger;
  const queues = new Map<string, InProcessQueue>();
  const unrouted = new Map<string, QueuedMessage[]>();
  const dead: InProcessDeadLetter[] = [];
  const subscribers = new Set<Subscriber>();
  let closed = false;

  const unavailable = (what: string): AppError => new AppError(errorCodes.unavailable, `cannot ${what}: the in-process bus is closed`);

  const deadLetter = (queue: string) => (entry: QueuedMessage, error: unknown): void => {
    const reason = error instanceof Error ? error.message : String(error);
    const code = isAppError(error) ? error.code : errorCodes.internal;
    dead.push({ topic: entry.topic, queue, message: entry.message, reason, code, attempts: entry.deliveries });
    logger.error({ err: error, messageId: entry.message.id, queue }, 'message dead-lettered in memory');
  };

  // Each queue gets its own copy, as a broker would deliver it; `redelivered` is a delivery's, never published (as on AMQP).
  const copy = (topic: string, message: Message): QueuedMessage => {
    const { [metadataKeys.redelivered]: _delivery, ...metadata } = message.metadata;
    return { topic, deliveries: 0, message: { id: message.id, payload: message.payload.slice(), metadata } };
  };

  const publisher: Publisher = {
    async publish(topic, messages) {
      if (closed) throw unavailable('publish');
      const bound = [...queues.values()].filter((queue) => queue.topics.some((pattern) => topicMatches(pattern, topic)));
      if (bound.length === 0) unrouted.set(topic, [...(unrouted.get(topic) ?? []), ...messages.map((m) => copy(topic, m))]);
      for (const queue of bound) queue.push(messages.map((m) => copy(topic, m)));
    },
    async close() {},
  };

  const deadLetterPublisher: Publisher = {
    async publish(topic, messages) {
      if (closed) throw unavailable('dead-letter');
      for (const message of messages) {
        const attempts = Number(message.metadata[metadataKeys.deadLetterAttempts] ?? 1);
        dead.push({
          topic,
          queue: topic,
          message: copy(topic, message).message,
          reason: message.metadata[metadataKeys.deadLetterReason] ?? 'dead-lettered',
          code: message.metadata[metadataKeys.deadLetterCode] ?? errorCodes.internal,
          attempts: Number.isInteger(attempts) && attempts > 0 ? attempts : 1,
        });
      }
    },
    async close() {},
  };

  // A queue has one set of bindings, fixed by its first subscription (as the AMQP subscriber's).
  const bind = (name: string, topics: readonly string[]): InProcessQueue => {
    const existing = queues.get(name);
    if (existing !== undefined) {
      if (!sameTopics(existing.topics, topics)) {
        throw new AppError(errorCodes.invalidArgument, `cannot subscribe queue ${name} to ${topics.join(', ')}: it is bound to ${existing.topics.join(', ')}`);
      }
      return existing;
    }
    const queue = createInProcessQueue(name, topics, { maxDeliveries, redeliveryDelay, deadLetter: deadLetter(name) });
    queues.set(name, queue);
    for (const [topic, waiting] of unrouted) {
      if (!topics.some((pattern) => topicMatches(pattern, topic))) continue;
      queue.push(waiting);
      unrouted.delete(topic);
    }
    return queue;
  };

  const createSubscriber = (queueName: string): Subscriber => {
    if (typeof queueName !== 'string' || queueName === '') throw new AppError(errorCodes.invalidConfig, 'cannot create in-process subscriber: queue must be a non-empty string');
    const subscriptions = new Set<Subscription>();
    const subscriber: Subscriber = {
      async subscribe(topics, handler) {
        if (closed) throw unavailable('subscribe');
        const stop = bind(queueName, topicList(topics)).consume(handler);
        const subscription: Subscription = {
          async close() {
            subscriptions.delete(subscription);
            await stop();
          },
        };
        subscriptions.add(subscription);
        return subscription;
      },
      async close() {
        await Promise.all([...subscriptions].map((subscription) => subscription.close()));
      },
    };
    subscribers.add(subscriber);
    return subscriber;
  };

  return {
    publisher,
    createSubscriber: (subscriberOptions) => createSubscriber(subscriberOptions?.queue),
    deadLetterPublisher,
    deadLetters: () => [...dead],
    async close() {
      closed = true;
      for (const queue of queues.values()) queue.stop();
      await Promise.all([...subscribers].map((subscriber) => subscriber.close()));
    },
  };
}
