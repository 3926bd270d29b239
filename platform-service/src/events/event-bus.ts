/**
 * Where platform events go: an injected publisher (the single-process launcher's in-process
 * bus), else RabbitMQ at AMQP_URL, else nowhere yet (events wait in the outbox).
 */
import { createAmqpConnection, createAmqpPublisher } from '@platform/runtime/amqp';
import type { Logger } from '@platform/runtime/logging';
import type { Publisher } from '@platform/runtime/messaging';

/** `disabled`: no broker configured and no publisher injected; events stay in the outbox. */
export type BusState = 'connected' | 'disconnected' | 'disabled';

export interface EventBus {
  /** The publisher the outbox relay uses; undefined when the bus is disabled. */
  readonly publisher: Publisher | undefined;
  state(): BusState;
  /** Listens to each (re)connection to the broker; returns the function that stops listening. */
  onConnected(listener: () => void): () => void;
  /** Closes what the bus opened itself (the AMQP connection); an injected publisher stays open. */
  close(): Promise<void>;
}

export interface EventBusOptions {
  /** Publisher to use as it is; its owner closes it. */
  readonly publisher?: Publisher;
  /** Broker URL, used when no publisher is injected. */
  readonly amqpUrl?: string;
  /** Exchange of platform events (topic, durable; declared on every connection). */
  readonly exchange: string;
  /** Longest wait between reconnect attempts, in ms. Default 5000. */
  readonly maxReconnectInterval?: number;
  readonly logger: Logger;
}

export function createEventBus(options: EventBusOptions): EventBus {
  const { exchange, logger, maxReconnectInterval = 5000 } = options;
  if (options.publisher !== undefined) {
    return { publisher: options.publisher, state: () => 'connected', onConnected: () => () => {}, close: async () => {} };
  }
  if (options.amqpUrl === undefined) {
    logger.warn('no AMQP_URL: platform events wait in the outbox until a broker is configured');
    return { publisher: undefined, state: () => 'disabled', onConnected: () => () => {}, close: async () => {} };
  }
  const amqpLogger = logger.child({ component: 'amqp' });
  const connection = createAmqpConnection({
    url: options.amqpUrl,
    name: 'platform-service',
    reconnect: { maxInterval: maxReconnectInterval },
    logger: amqpLogger,
  });
  const publisher = createAmqpPublisher({ connection, exchange, logger: amqpLogger });
  return {
    publisher,
    state: () => (connection.state === 'connected' ? 'connected' : 'disconnected'),
    onConnected: (listener) => connection.on('connected', listener),
    async close() {
      await publisher.close();
      await connection.close();
    },
  };
}
