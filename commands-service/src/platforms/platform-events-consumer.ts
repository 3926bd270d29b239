/**
 * Consumer wiring of the platform events: the generated typed subscriber over either an
 * injected Subscriber (the in-process bus of the single-process mode) or RabbitMQ, with
 * correlation, dead-letter and retry middleware around the handlers.
 */
import { type PlatformEventsHandlers, platformPublishedTopology, subscribePlatformEvents } from '@platform/gen/asyncapi/platform-events/index.ts';
import { type AmqpConnection, createAmqpConnection, createAmqpPublisher, createAmqpSubscriber } from '@platform/runtime/amqp';
import type { CheckResult } from '@platform/runtime/lifecycle';
import type { Logger } from '@platform/runtime/logging';
import {
  type Middleware,
  type Publisher,
  type Subscriber,
  type Subscription,
  createCorrelationMiddleware,
  createDeadLetterMiddleware,
  createRetryMiddleware,
  sleep,
} from '@platform/runtime/messaging';

/** Broker object names; the defaults are the contract's (contracts/asyncapi/platform-events.yaml). */
export interface PlatformEventNames {
  /** Topic exchange platform-service publishes to. Default `platform.events`. */
  readonly exchange: string;
  /** Durable queue shared by every replica. Default `commands-service.platform-events`. */
  readonly queue: string;
  /** Dead-letter exchange (topic). Default `platform.events.dlx`. */
  readonly deadLetterExchange: string;
  /** Dead-letter queue, bound to the DLX by the queue's name. Default `commands-service.platform-events.dlq`. */
  readonly deadLetterQueue: string;
}

export const contractEventNames: PlatformEventNames = {
  exchange: platformPublishedTopology.exchange,
  queue: platformPublishedTopology.queue,
  deadLetterExchange: platformPublishedTopology.deadLetterExchange,
  deadLetterQueue: platformPublishedTopology.deadLetterQueue,
};

/** Bounded retry of transient failures, before the event is dead-lettered. */
export interface EventRetryPolicy {
  readonly maxRetries: number;
  readonly initialInterval: number;
  readonly maxInterval: number;
}

export interface PlatformEventsConsumerOptions {
  readonly handlers: PlatformEventsHandlers;
  readonly logger: Logger;
  readonly retry: EventRetryPolicy;
  /**
   * Where events come from: an injected Subscriber (owned by the caller, never closed here), or
   * RabbitMQ. Neither: no consumer runs.
   */
  readonly source:
    | { readonly kind: 'injected'; readonly subscriber: Subscriber; readonly deadLetterPublisher?: Publisher; readonly deadLetterTopic: string }
    | { readonly kind: 'amqp'; readonly url: string; readonly connectionName: string; readonly prefetch: number; readonly names: PlatformEventNames }
    | { readonly kind: 'none'; readonly why: string };
  /** How long start() waits for the broker before it goes on without it (consuming starts once it is up). Default 5000 ms. */
  readonly brokerWaitMs?: number;
}

export interface PlatformEventsConsumer {
  /** Declares the topology (AMQP) and starts consuming; resolves without consuming while the broker is down. */
  start(): Promise<void>;
  /** Readiness: the broker connection is up (AMQP), or why there is no consumer. */
  check(): Promise<CheckResult>;
  /** Stops taking messages, finishes the one in hand (ack, or requeue), then closes what it opened. */
  stop(): Promise<void>;
}

export function createPlatformEventsConsumer(options: PlatformEventsConsumerOptions): PlatformEventsConsumer {
  const { source, handlers, retry } = options;
  const logger = options.logger.child({ component: 'platform-events' });
  const brokerWaitMs = options.brokerWaitMs ?? 5000;
  let subscription: Subscription | undefined;
  let stopped = false;

  const middleware = (deadLetter: { publisher: Publisher; topic: string } | undefined): Middleware[] => [
    createCorrelationMiddleware(),
    ...(deadLetter ? [createDeadLetterMiddleware({ ...deadLetter, logger })] : []),
    createRetryMiddleware({ maxRetries: retry.maxRetries, initialInterval: retry.initialInterval, maxInterval: retry.maxInterval, logger }),
  ];

  if (source.kind === 'none') {
    return {
      async start() {
        logger.warn({ why: source.why }, 'no platform event consumer runs');
      },
      check: async () => ({ ok: true, detail: `no consumer: ${source.why}` }),
      async stop() {},
    };
  }

  if (source.kind === 'injected') {
    return {
      async start() {
        const deadLetter = source.deadLetterPublisher ? { publisher: source.deadLetterPublisher, topic: source.deadLetterTopic } : undefined;
        subscription = await subscribePlatformEvents(source.subscriber, handlers, { middleware: middleware(deadLetter) });
        logger.info({ deadLetters: deadLetter ? source.deadLetterTopic : 'left to the subscriber' }, 'consuming platform events from the injected subscriber');
      },
      check: async () => (stopped ? { ok: false, detail: 'stopped' } : { ok: true, detail: 'injected subscriber' }),
      async stop() {
        stopped = true;
        await subscription?.close();
      },
    };
  }

  const { names } = source;
  const connection: AmqpConnection = createAmqpConnection({ url: source.url, name: source.connectionName, logger });
  const subscriber = createAmqpSubscriber({
    connection,
    exchange: names.exchange,
    queue: names.queue,
    deadLetter: { exchange: names.deadLetterExchange, queue: names.deadLetterQueue },
    prefetch: source.prefetch,
    logger,
  });
  const deadLetterPublisher = createAmqpPublisher({ connection, exchange: names.deadLetterExchange, logger });

  let subscribing: Promise<void> | undefined;
  let failure: string | undefined;

  return {
    async start() {
      const waiting = new AbortController();
      const connected = await Promise.race([connection.ready().then(() => true), sleep(brokerWaitMs, waiting.signal).then(() => false)])
        .catch(() => false)
        .finally(() => waiting.abort());
      // Subscribing declares the topology and resolves once consuming, which needs the broker:
      // awaited when it is up (a broken topology then fails the start), otherwise left running.
      subscribing = subscribePlatformEvents(subscriber, handlers, {
        middleware: middleware({ publisher: deadLetterPublisher, topic: subscriber.deadLetterTopic ?? names.queue }),
      }).then(
        (made) => {
          subscription = made;
          logger.info({ ...names, prefetch: source.prefetch, connection: source.connectionName }, 'consuming platform events');
        },
        (error: unknown) => {
          failure = error instanceof Error ? error.message : String(error);
          if (!stopped) logger.error({ err: error, ...names }, 'cannot consume platform events');
          if (connected) throw error;
        },
      );
      if (connected) return subscribing;
      logger.warn({ waitedMs: brokerWaitMs }, 'RabbitMQ is not reachable yet; platform events will be consumed once it is');
    },
    async check() {
      if (stopped) return { ok: false, detail: 'stopped' };
      if (connection.state !== 'connected') return { ok: false, detail: `RabbitMQ connection ${connection.state}` };
      if (subscription === undefined) return { ok: false, detail: failure === undefined ? 'not consuming yet' : `cannot consume: ${failure}` };
      return { ok: true };
    },
    async stop() {
      stopped = true;
      await subscription?.close();
      await subscriber.close();
      await deadLetterPublisher.close();
      // Also ends a subscription still waiting for the broker.
      await connection.close();
      await subscribing?.catch(() => undefined);
    },
  };
}
