import type { Logger } from 'pino';
import { AppError, errorCodes } from '../errors/index.ts';
import type { Publisher } from '../messaging/message.ts';
import { silentLogger } from '../messaging/silent-logger.ts';
import { createConfirmWindow } from './confirm-window.ts';
import { createAmqpConnection, type AmqpConnection } from './connection.ts';
import { toPublishOptions } from './message-mapping.ts';
import { InFlight } from '../lifecycle/in-flight.ts';

/** Options of the AMQP publisher; give `connection` (shared) or `url` (owned), not both. */
export interface AmqpPublisherOptions {
  /** A managed connection to share; the publisher does not close it. */
  readonly connection?: AmqpConnection;
  /** Broker URL; the publisher then creates, and closes, its own connection. */
  readonly url?: string;
  /** Name of the connection created from `url`. Default `publisher`. */
  readonly connectionName?: string;
  /** Exchange to publish to; topics are its routing keys. Required. */
  readonly exchange: string;
  /** Declare the exchange (durable, topic) on every (re)connection. Default true. */
  readonly declareExchange?: boolean;
  /** Most messages awaiting broker confirmation at once. Default 256. */
  readonly maxInFlight?: number;
  /** Default: silent. */
  readonly logger?: Logger;
}

/** A Publisher over an AMQP confirm channel. */
export interface AmqpPublisher extends Publisher {
  readonly connection: AmqpConnection;
}

/**
 * Publishes persistent messages (see message-mapping.ts for properties and headers) and
 * resolves only when the broker confirmed every one. Rejects with AppError unavailable
 * ("cannot publish: ...") when the connection is down or any message was not confirmed:
 * the caller (normally the outbox relay) publishes the whole call again later.
 * Messages routed to no queue are confirmed and dropped by the broker, as AMQP defines.
 */
export function createAmqpPublisher(options: AmqpPublisherOptions): AmqpPublisher {
  const invalid = (why: string): never => {
    throw new AppError(errorCodes.invalidConfig, `cannot create AMQP publisher: ${why}`);
  };
  if ((options.connection === undefined) === (options.url === undefined)) invalid('give exactly one of connection and url');
  if (typeof options.exchange !== 'string') invalid('exchange must be a string');
  const maxInFlight = options.maxInFlight ?? 256;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) invalid(`maxInFlight must be an integer >= 1, got ${maxInFlight}`);
  const logger = options.logger ?? silentLogger;
  const connection = options.connection ?? createAmqpConnection({ url: options.url as string, name: options.connectionName ?? 'publisher', logger });
  const window = createConfirmWindow(connection, maxInFlight, logger);
  const active = new InFlight<Promise<unknown>>(); // not a Set: lifecycle/in-flight.ts
  let declared: Promise<void> | undefined;
  let closed = false;

  const ensureExchange = (): Promise<void> => {
    if (options.declareExchange === false || options.exchange === '') return Promise.resolve();
    declared ??= connection.declare({ exchanges: [{ name: options.exchange, type: 'topic' }] }).catch((error: unknown) => {
      declared = undefined;
      throw error;
    });
    return declared;
  };

  const publishAll: Publisher['publish'] = async (topic, messages) => {
    if (connection.state !== 'connected') throw new AppError(errorCodes.unavailable, `cannot publish: connection ${connection.name} is ${connection.state}`);
    const prepared = messages.map((message) => ({
      content: Buffer.from(message.payload.buffer, message.payload.byteOffset, message.payload.byteLength),
      properties: toPublishOptions(message),
    }));
    await ensureExchange();
    const confirmations: Promise<void>[] = [];
    let failure: unknown;
    for (const { content, properties } of prepared) {
      try {
        confirmations.push((await window.send(options.exchange, topic, content, properties)).confirmed);
      } catch (error) {
        failure = error;
        break;
      }
    }
    const outcomes = await Promise.allSettled(confirmations);
    const rejected = outcomes.find((outcome) => outcome.status === 'rejected');
    failure ??= rejected?.reason;
    if (failure !== undefined) throw failure;
  };

  return {
    connection,
    publish(topic, messages) {
      if (closed) return Promise.reject(new AppError(errorCodes.unavailable, 'cannot publish: the publisher is closed'));
      const publishing = publishAll(topic, messages);
      const entry = active.add(publishing);
      void publishing.catch(() => undefined).finally(() => active.delete(entry));
      return publishing;
    },
    async close() {
      closed = true;
      await Promise.allSettled(active.items());
      await window.close();
      if (options.connection === undefined) await connection.close();
    },
  };
}
