/**
 * The one place that turns configuration into an event transport: RabbitMQ (AMQP_URL), the
 * in-process bus of the one-process launcher, or none. Parts ask it for publishers and
 * subscribers by exchange and queue and never build broker objects themselves.
 */
import type { Logger } from 'pino';
import { createAmqpConnection, createAmqpPublisher, createAmqpSubscriber, type AmqpConnection } from '../amqp/index.ts';
import { AppError, errorCodes } from '../errors/index.ts';
import { sleep, type BackoffOptions, type InProcessBus, type Publisher, type Subscriber } from '../messaging/index.ts';

/** Which transport carries the events. */
export type EventTransportKind = 'rabbitmq' | 'in-process' | 'none';

/** One queue a part consumes (its name, where it is fed from, where its dead letters go). */
export interface QueueOptions {
  /** Exchange the queue is bound to (topic). */
  readonly exchange: string;
  /** The durable queue, shared by every replica of the consuming part. */
  readonly queue: string;
  /**
   * Dead-letter exchange and queue; dead letters carry the queue's name as routing key. `arguments`:
   * the dead-letter queue's `queue.declare` arguments; `replaces`: older dead-letter queues to drain into it.
   */
  readonly deadLetter?: { readonly exchange: string; readonly queue: string; readonly arguments?: Readonly<Record<string, string | number | boolean>>; readonly replaces?: readonly string[] };
  /** More `queue.declare` arguments (the contract's `x-queue-arguments` beyond the dead-letter target). */
  readonly arguments?: Readonly<Record<string, string | number | boolean>>;
  /** Older queues this one replaces (the contract's `x-replaces-queues`): drained into it and deleted in the background (RabbitMQ). */
  readonly replaces?: readonly string[];
  /** Unacknowledged messages per consumer (RabbitMQ). Default 10. */
  readonly prefetch?: number;
}

export interface EventTransportOptions {
  /** RabbitMQ URL. */
  readonly amqpUrl?: string | undefined;
  /** The in-process bus the one-process launcher shares between its parts; used when no `amqpUrl`. */
  readonly inProcess?: InProcessBus | undefined;
  /** Name of the broker connection, shown by `rabbitmqctl list_connections`. Required. */
  readonly connectionName: string;
  /** Delays between reconnect attempts to RabbitMQ. Default: the AMQP connection's. */
  readonly reconnect?: Partial<BackoffOptions>;
  readonly logger: Logger;
}

/** Publishers and subscribers of one part, over one transport. */
export interface EventTransport {
  readonly kind: EventTransportKind;
  /** For banners, logs and /readyz: `RabbitMQ at 127.0.0.1:5672`, `in-process bus`, `none (AMQP_URL is not set)`. */
  readonly description: string;
  /** Whether events can flow now (always in process, never without a transport). */
  connected(): boolean;
  /** A publisher to `exchange` (topics are routing keys), made once per exchange; undefined without a transport. */
  publisher(exchange: string): Publisher | undefined;
  /** A subscriber on `queue.queue`; undefined without a transport. */
  subscriber(queue: QueueOptions): Subscriber | undefined;
  /** Where the dead-letter middleware sends what `queue` gives up on (topic: `deadLetterTopic`); undefined when nowhere. */
  deadLetterPublisher(queue: QueueOptions): Publisher | undefined;
  /** The dead-letter topic of `queue`: its own name, the routing key its DLQ is bound by. */
  deadLetterTopic(queue: QueueOptions): string;
  /** Resolves true once connected, false after `timeoutMs` (or at once without a transport). */
  waitUntilConnected(timeoutMs: number): Promise<boolean>;
  /** Listens to each (re)connection; returns the function that stops listening. */
  onConnected(listener: () => void): () => void;
  /** Closes the subscribers and publishers it made, then what it opened itself (never an injected bus). */
  close(): Promise<void>;
}

/** Creates the transport `options` call for: RabbitMQ when `amqpUrl` is set, else the in-process bus when given, else none. */
export function createEventTransport(options: EventTransportOptions): EventTransport {
  if (typeof options?.connectionName !== 'string' || options.connectionName === '') {
    throw new AppError(errorCodes.invalidConfig, 'cannot create event transport: connectionName must be a non-empty string');
  }
  if (options.amqpUrl) return rabbitmqTransport(options.amqpUrl, options);
  if (options.inProcess) return inProcessTransport(options.inProcess);
  return noTransport();
}

function rabbitmqTransport(url: string, options: EventTransportOptions): EventTransport {
  const logger = options.logger.child({ component: 'amqp' });
  const connection: AmqpConnection = createAmqpConnection({ url, name: options.connectionName, logger, ...(options.reconnect ? { reconnect: options.reconnect } : {}) });
  const publishers = new Map<string, Publisher>();
  const subscribers: Subscriber[] = [];
  const publisher = (exchange: string): Publisher => {
    let made = publishers.get(exchange);
    if (made === undefined) {
      made = createAmqpPublisher({ connection, exchange, logger });
      publishers.set(exchange, made);
    }
    return made;
  };
  return {
    kind: 'rabbitmq',
    description: `RabbitMQ at ${brokerAddress(url)}`,
    connected: () => connection.state === 'connected',
    publisher,
    subscriber(queue) {
      const made = createAmqpSubscriber({
        connection,
        exchange: queue.exchange,
        queue: queue.queue,
        ...(queue.deadLetter ? { deadLetter: queue.deadLetter } : {}),
        ...(queue.arguments ? { queueArguments: queue.arguments } : {}),
        ...(queue.replaces ? { replaces: queue.replaces } : {}),
        ...(queue.prefetch === undefined ? {} : { prefetch: queue.prefetch }),
        logger,
      });
      subscribers.push(made);
      return made;
    },
    deadLetterPublisher: (queue) => (queue.deadLetter ? publisher(queue.deadLetter.exchange) : undefined),
    deadLetterTopic: (queue) => queue.queue,
    async waitUntilConnected(timeoutMs) {
      const waiting = new AbortController();
      return Promise.race([connection.ready().then(() => true), sleep(timeoutMs, waiting.signal).then(() => false)])
        .catch(() => false)
        .finally(() => waiting.abort());
    },
    onConnected: (listener) => connection.on('connected', listener),
    async close() {
      await Promise.allSettled(subscribers.map((subscriber) => subscriber.close()));
      await Promise.allSettled([...publishers.values()].map((made) => made.close()));
      await connection.close();
    },
  };
}

function inProcessTransport(bus: InProcessBus): EventTransport {
  return {
    kind: 'in-process',
    description: 'in-process bus',
    connected: () => true,
    // The bus has one topic space: exchanges only matter to a broker.
    publisher: () => bus.publisher,
    subscriber: (queue) => bus.createSubscriber({ queue: queue.queue }),
    deadLetterPublisher: () => bus.deadLetterPublisher,
    deadLetterTopic: (queue) => queue.queue,
    waitUntilConnected: async () => true,
    onConnected: () => () => {},
    // The bus belongs to the launcher, which closes it after every part stopped.
    async close() {},
  };
}

function noTransport(): EventTransport {
  return {
    kind: 'none',
    description: 'none (AMQP_URL is not set)',
    connected: () => false,
    publisher: () => undefined,
    subscriber: () => undefined,
    deadLetterPublisher: () => undefined,
    deadLetterTopic: (queue) => queue.queue,
    waitUntilConnected: async () => false,
    onConnected: () => () => {},
    async close() {},
  };
}

/** `host:port` of an AMQP URL, without credentials. */
function brokerAddress(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || (parsed.protocol === 'amqps:' ? '5671' : '5672')}`;
}
