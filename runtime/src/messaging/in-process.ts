import type { Logger } from 'pino';
import { AppError, errorCodes, isAppError } from '../errors/index.ts';
import { createInProcessQueue, type InProcessQueue, type QueuedMessage } from './in-process-queue.ts';
import type { Message, Publisher, Subscriber, Subscription } from './message.ts';
import { silentLogger } from './silent-logger.ts';

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
 * An in-memory broker for the single-process development mode and for tests. A queue (the
 * subscription) receives a copy of every message of the topics it subscribed to; subscribers
 * on one queue compete, one message in hand each. Messages published to a topic no queue has
 * subscribed to yet wait for the first one (as a durable queue would). Nothing survives the process.
 */
export interface InProcessBus {
  /** Resolves once every queue holds its copy; its `close` is a no-op (`bus.close()` ends everything). */
  readonly publisher: Publisher;
  /** Subscriber whose queue is named after the topic: every subscription to one topic competes. */
  readonly subscriber: Subscriber;
  /** A subscriber on a named queue; two queues subscribed to one topic each get every message. */
  createSubscriber(options: { readonly queue: string }): Subscriber;
  /** Messages rejected `maxDeliveries` times, oldest first. */
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

  // Each queue gets its own copy, as a broker would deliver it.
  const copy = (topic: string, message: Message): QueuedMessage => ({
    topic,
    deliveries: 0,
    message: { id: message.id, payload: message.payload.slice(), metadata: { ...message.metadata } },
  });

  const publisher: Publisher = {
    async publish(topic, messages) {
      if (closed) throw unavailable('publish');
      const bound = [...queues.values()].filter((queue) => queue.topics.has(topic));
      if (bound.length === 0) unrouted.set(topic, [...(unrouted.get(topic) ?? []), ...messages.map((m) => copy(topic, m))]);
      for (const queue of bound) queue.push(messages.map((m) => copy(topic, m)));
    },
    async close() {},
  };

  const bind = (name: string, topic: string): InProcessQueue => {
    const queue = queues.get(name) ?? createInProcessQueue(name, { maxDeliveries, redeliveryDelay, deadLetter: deadLetter(name) });
    queues.set(name, queue);
    if (!queue.topics.has(topic)) {
      queue.topics.add(topic);
      queue.push(unrouted.get(topic) ?? []);
      unrouted.delete(topic);
    }
    return queue;
  };

  const createSubscriber = (queueName?: string): Subscriber => {
    const subscriptions = new Set<Subscription>();
    const subscriber: Subscriber = {
      async subscribe(topic, handler) {
        if (closed) throw unavailable('subscribe');
        const stop = bind(queueName ?? topic, topic).consume(handler);
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
    subscriber: createSubscriber(),
    createSubscriber: (subscriberOptions) => createSubscriber(subscriberOptions.queue),
    deadLetters: () => [...dead],
    async close() {
      closed = true;
      for (const queue of queues.values()) queue.stop();
      await Promise.all([...subscribers].map((subscriber) => subscriber.close()));
    },
  };
}
