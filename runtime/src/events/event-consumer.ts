/**
 * Consuming one queue of events, whatever the transport: the typed subscribe function generated
 * from the contract, wrapped in correlation, dead-letter and retry middleware, started without
 * waiting forever for a broker that is down, and reported to /readyz.
 */
import type { Logger } from 'pino';
import type { CheckResult } from '../lifecycle/index.ts';
import {
  createCorrelationMiddleware,
  createDeadLetterMiddleware,
  createRetryMiddleware,
  type Middleware,
  type Subscriber,
  type Subscription,
} from '../messaging/index.ts';
import { consumerTelemetry, telemetryOf } from '../observability/index.ts';
import type { EventTransport, QueueOptions } from './event-transport.ts';

/** Bounded retry of transient failures, before the event is dead-lettered. */
export interface EventRetryPolicy {
  /** Retries after the first attempt. */
  readonly maxRetries: number;
  /** Delay before the first retry, in ms; doubles on each retry, with jitter. */
  readonly initialInterval: number;
  /** Longest delay between retries, in ms. */
  readonly maxInterval: number;
}

export interface EventConsumerOptions {
  readonly transport: EventTransport;
  /** The queue (names from the contract, or overridden). */
  readonly queue: QueueOptions;
  /**
   * Subscribes the part's handlers: normally the generated `subscribe<Queue>(subscriber, handlers,
   * { middleware })` of the contract, which routes each message type to its handler.
   */
  readonly subscribe: (subscriber: Subscriber, options: { readonly middleware: readonly Middleware[] }) => Promise<Subscription>;
  readonly retry: EventRetryPolicy;
  /** How long `start` waits for the broker before it goes on without it (consuming starts once it is up). Default 5000 ms. */
  readonly brokerWaitMs?: number;
  readonly logger: Logger;
}

export interface EventConsumer {
  /** Declares the topology and starts consuming; resolves without consuming while the broker is down. */
  start(): Promise<void>;
  /** Readiness: consuming (or why not). Without a transport: ok, with the reason no consumer runs. */
  check(): Promise<CheckResult>;
  /**
   * Stops taking messages and finishes the ones in hand (ack, or requeue). A subscription still
   * waiting for the broker ends when the transport closes.
   */
  stop(): Promise<void>;
}

/** Creates the consumer of one queue; nothing happens before `start`. */
export function createEventConsumer(options: EventConsumerOptions): EventConsumer {
  const { transport, queue, retry } = options;
  const logger = options.logger.child({ component: 'events', queue: queue.queue });
  const brokerWaitMs = options.brokerWaitMs ?? 5000;
  const subscriber = transport.subscriber(queue);
  const deadLetterPublisher = transport.deadLetterPublisher(queue);
  const telemetry = consumerTelemetry(telemetryOf(options.logger), queue.queue);
  const middleware: Middleware[] = [
    telemetry.delivery,
    createCorrelationMiddleware(),
    ...(deadLetterPublisher ? [createDeadLetterMiddleware({ publisher: deadLetterPublisher, topic: transport.deadLetterTopic(queue), logger }), telemetry.deadLetter] : []),
    createRetryMiddleware({ maxRetries: retry.maxRetries, initialInterval: retry.initialInterval, maxInterval: retry.maxInterval, logger }),
    telemetry.attempt,
  ];
  let subscription: Subscription | undefined;
  let failure: string | undefined;
  let stopped = false;

  return {
    async start() {
      if (subscriber === undefined) {
        logger.warn({ transport: transport.description }, 'no event consumer runs');
        return;
      }
      const connected = await transport.waitUntilConnected(brokerWaitMs);
      // Subscribing declares the topology and resolves once consuming, which needs the broker:
      // awaited when it is up (a broken topology then fails the start), otherwise left running.
      const subscribing = options.subscribe(subscriber, { middleware }).then(
        (made) => {
          subscription = made;
          if (stopped) return void made.close();
          logger.info({ transport: transport.description, deadLetters: deadLetterPublisher ? transport.deadLetterTopic(queue) : 'none' }, 'consuming events');
        },
        (error: unknown) => {
          failure = error instanceof Error ? error.message : String(error);
          if (!stopped) logger.error({ err: error }, 'cannot consume events');
          if (connected) throw error;
        },
      );
      if (connected) return subscribing;
      subscribing.catch(() => undefined);
      logger.warn({ waitedMs: brokerWaitMs, transport: transport.description }, 'the broker is not reachable yet; events will be consumed once it is');
    },
    async check() {
      if (stopped) return { ok: false, detail: 'stopped' };
      if (subscriber === undefined) return { ok: true, detail: `no consumer: transport ${transport.description}` };
      if (!transport.connected()) return { ok: false, detail: `${transport.description}: not connected` };
      if (subscription === undefined) return { ok: false, detail: failure === undefined ? 'not consuming yet' : `cannot consume: ${failure}` };
      return { ok: true, detail: `consuming from ${transport.description}` };
    },
    async stop() {
      stopped = true;
      await subscription?.close();
      await subscriber?.close();
    },
  };
}
