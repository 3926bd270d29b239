import type { Logger } from 'pino';
import { AppError, errorCodes } from '../errors/index.ts';
import { sameTopics, topicList, type Subscriber, type Subscription } from '../messaging/message.ts';
import { silentLogger } from '../messaging/silent-logger.ts';
import { createAmqpConnection, type AmqpConnection } from './connection.ts';
import { startConsumer } from './consumer.ts';
import { startQueueMigration, type QueueMigration } from './queue-migration.ts';
import { subscriptionTopology, type DeadLetterTopology, type QueueArguments } from './topology.ts';

/** Options of the AMQP subscriber; give `connection` (shared) or `url` (owned), not both. */
export interface AmqpSubscriberOptions {
  /** A managed connection to share; the subscriber does not close it. */
  readonly connection?: AmqpConnection;
  /** Broker URL; the subscriber then creates, and closes, its own connection. */
  readonly url?: string;
  /** Name of the connection created from `url`. Default `subscriber`. */
  readonly connectionName?: string;
  /** Topic exchange the messages are published to (declared durable). Required. */
  readonly exchange: string;
  /** Durable queue: the subscription, shared by every replica (competing consumers). Required. */
  readonly queue: string;
  /**
   * Dead-letter exchange and queue; the queue then dead-letters to the exchange with its own name as
   * routing key. `arguments`: the dead-letter queue's `queue.declare` arguments (default
   * `queueArguments`); `replaces`: older dead-letter queues drained into it (see queue-migration.ts).
   */
  readonly deadLetter?: DeadLetterTopology & { readonly replaces?: readonly string[] };
  /**
   * More `queue.declare` arguments of the queue, as the contract's `x-queue-arguments` give them
   * (`x-queue-type`, `x-delivery-limit`, ...); `x-dead-letter-exchange` and `-routing-key` are set
   * from `deadLetter`. Default none.
   */
  readonly queueArguments?: QueueArguments;
  /**
   * Older queues this one replaces (the contract's `x-replaces-queues`): once consuming, the
   * subscriber moves their messages into the queue and deletes them, in the background, retrying
   * every `migrationRetryInterval` until each is gone (see queue-migration.ts). Default none.
   */
  readonly replaces?: readonly string[];
  /** Wait between migration attempts of `replaces`, in milliseconds. Default 5_000. */
  readonly migrationRetryInterval?: number;
  /** Unacknowledged messages per subscription; this also bounds the handlers running at once. Default 10. */
  readonly prefetch?: number;
  /** Delay before a message whose handler rejected is requeued, in milliseconds; avoids hot redelivery loops. Default 1_000. */
  readonly requeueDelay?: number;
  /** Default: silent. */
  readonly logger?: Logger;
}

/** A Subscriber over one durable AMQP queue. */
export interface AmqpSubscriber extends Subscriber {
  readonly connection: AmqpConnection;
  /** Topic under which dead letters reach the DLQ on the dead-letter exchange (the queue name), if configured. */
  readonly deadLetterTopic: string | undefined;
  /** Resolves once every replaced queue (of `replaces` and `deadLetter.replaces`) is gone; pending before the first subscribe. */
  readonly migrated: Promise<void>;
}

/**
 * Consumes one queue. `subscribe(topics, handler)` declares the topology (exchange; queue bound by
 * each topic, a routing key or a topic pattern such as `platform.*`; the dead-letter pair), then
 * consumes with manual acks: ack once the handler resolves, nack with requeue once it rejects
 * (normally the retry and dead-letter middleware settle failures before). Several subscribe
 * calls with the same topics compete; other topics on the same queue are refused, since the
 * queue has one set of bindings. Bindings are only ever added: a topic dropped from the list
 * keeps routing to the queue until the binding is removed on the broker. `subscribe` resolves
 * once consuming, so it waits while the broker is unreachable; consuming resumes by itself
 * after a reconnect.
 */
export function createAmqpSubscriber(options: AmqpSubscriberOptions): AmqpSubscriber {
  const invalid = (why: string): never => {
    throw new AppError(errorCodes.invalidConfig, `cannot create AMQP subscriber: ${why}`);
  };
  if ((options.connection === undefined) === (options.url === undefined)) invalid('give exactly one of connection and url');
  if (typeof options.exchange !== 'string' || options.exchange === '') invalid('exchange must be a non-empty string');
  if (typeof options.queue !== 'string' || options.queue === '') invalid('queue must be a non-empty string');
  const prefetch = options.prefetch ?? 10;
  if (!Number.isInteger(prefetch) || prefetch < 1 || prefetch > 65_535) invalid(`prefetch must be an integer from 1 to 65535, got ${prefetch}`);
  const requeueDelay = options.requeueDelay ?? 1_000;
  if (!Number.isFinite(requeueDelay) || requeueDelay < 0) invalid(`requeueDelay must be a finite number >= 0, got ${requeueDelay}`);
  const logger = options.logger ?? silentLogger;
  const connection = options.connection ?? createAmqpConnection({ url: options.url as string, name: options.connectionName ?? 'subscriber', logger });
  const subscriptions = new Set<Subscription>();
  let bound: readonly string[] | undefined;
  let closed = false;
  let migrations: QueueMigration[] | undefined;
  const { promise: allMigrated, resolve: migrated } = Promise.withResolvers<void>();

  // Once the new queues are declared and bound: drain each replaced queue into its successor.
  const startMigrations = (topics: readonly string[]): void => {
    if (migrations !== undefined) return;
    const { deadLetter } = options;
    const common = { connection, logger, ...(options.migrationRetryInterval === undefined ? {} : { retryInterval: options.migrationRetryInterval }) };
    const mainBindings = topics.map((routingKey) => ({ exchange: options.exchange, routingKey }));
    migrations = (options.replaces ?? []).map((from) => startQueueMigration({ ...common, from, to: options.queue, unbind: mainBindings }));
    if (deadLetter !== undefined) {
      // The old dead-letter queue was bound by the old queue's name: the new one is now bound by it too.
      const deadLetterBindings = [options.queue, ...(options.replaces ?? [])].map((routingKey) => ({ exchange: deadLetter.exchange, routingKey }));
      migrations.push(...(deadLetter.replaces ?? []).map((from) => startQueueMigration({ ...common, from, to: deadLetter.queue, unbind: deadLetterBindings })));
    }
    void Promise.all(migrations.map((migration) => migration.done)).then(() => migrated());
  };

  return {
    connection,
    deadLetterTopic: options.deadLetter === undefined ? undefined : options.queue,
    migrated: allMigrated,
    async subscribe(topics, handler) {
      const wanted = topicList(topics);
      if (closed) throw new AppError(errorCodes.unavailable, `cannot subscribe to ${wanted.join(', ')}: the subscriber is closed`);
      if (bound !== undefined && !sameTopics(bound, wanted)) {
        throw new AppError(errorCodes.invalidArgument, `cannot subscribe to ${wanted.join(', ')}: queue ${options.queue} already serves ${bound.join(', ')}; use one subscriber per queue`);
      }
      bound = wanted;
      const topology = subscriptionTopology({
        exchange: options.exchange,
        queue: options.queue,
        routingKeys: wanted,
        deadLetter: options.deadLetter,
        ...(options.queueArguments === undefined ? {} : { queueArguments: options.queueArguments }),
        ...(options.replaces === undefined ? {} : { replaces: options.replaces }),
      });
      const consumer = await startConsumer({
        connection,
        topology,
        queue: options.queue,
        prefetch,
        requeueDelay,
        resumeBackoff: { initialInterval: 200, multiplier: 2, maxInterval: 30_000, jitter: 0.2 },
        handler,
        logger,
      }).catch((error: unknown) => {
        if (subscriptions.size === 0) bound = undefined;
        throw error;
      });
      startMigrations(wanted);
      const subscription: Subscription = {
        async close() {
          subscriptions.delete(subscription);
          await consumer.close();
        },
      };
      subscriptions.add(subscription);
      return subscription;
    },
    async close() {
      closed = true;
      await Promise.all((migrations ?? []).map((migration) => migration.stop()));
      await Promise.all([...subscriptions].map((subscription) => subscription.close()));
      if (options.connection === undefined) await connection.close();
    },
  };
}
