import type { Channel, ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';
import { backoffDelay, sleep, type BackoffOptions } from '../messaging/backoff.ts';
import type { Handler, Subscription } from '../messaging/message.ts';
import type { AmqpConnection } from './connection.ts';
import { fromDelivery } from './message-mapping.ts';
import type { Topology } from './topology.ts';
import { InFlight } from '../lifecycle/in-flight.ts';

/** What one consuming subscription needs. */
export interface ConsumerOptions {
  readonly connection: AmqpConnection;
  readonly topology: Topology;
  readonly queue: string;
  readonly prefetch: number;
  readonly requeueDelay: number;
  /** Delays between attempts to consume again after a failure while the connection is up. */
  readonly resumeBackoff: BackoffOptions;
  readonly handler: Handler;
  readonly logger: Logger;
}

/**
 * Consumes `queue` on a channel of its own: acks after the handler resolves, nacks with
 * requeue (after `requeueDelay`) when it rejects, and consumes again by itself after a
 * reconnect or a channel failure. Resolves once consuming (waiting for the connection if
 * needed); rejects if the first attempt fails while connected, or the connection closes first.
 */
export async function startConsumer(options: ConsumerOptions): Promise<Subscription> {
  const { connection, queue, logger } = options;
  const dead = new WeakSet<Channel>();
  const inFlight = new InFlight<Promise<void>>(); // not a Set: lifecycle/in-flight.ts
  const stopping = new AbortController();
  let channel: Channel | undefined;
  let consumerTag: string | undefined;
  let resuming: Promise<void> | undefined;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;

  const settle = (on: Channel, delivery: ConsumeMessage, ack: boolean): void => {
    if (dead.has(on)) return; // the broker requeues whatever a closed channel held
    try {
      if (ack) on.ack(delivery);
      else on.nack(delivery, false, true);
    } catch (error) {
      logger.warn({ err: error, queue }, 'cannot settle delivery; the broker will redeliver it');
    }
  };

  const onDelivery = (on: Channel, delivery: ConsumeMessage | null): void => {
    if (delivery === null) {
      logger.warn({ queue }, 'consumer cancelled by the broker, consuming again');
      if (channel === on) lose(on);
      void on.close().catch(() => undefined);
      return;
    }
    if (stopping.signal.aborted) return settle(on, delivery, false);
    const message = fromDelivery(delivery);
    const handling = Promise.resolve()
      .then(() => options.handler(message))
      .then(
        () => settle(on, delivery, true),
        async (error: unknown) => {
          logger.warn({ err: error, queue, messageId: message.id }, 'handler rejected, requeueing message');
          await sleep(options.requeueDelay, stopping.signal);
          settle(on, delivery, false);
        },
      );
    const entry = inFlight.add(handling);
    void handling.finally(() => inFlight.delete(entry));
  };

  const lose = (on: Channel): void => {
    dead.add(on);
    if (channel !== on) return;
    channel = undefined;
    consumerTag = undefined;
    scheduleResume();
  };

  const scheduleResume = (): void => {
    if (stopping.signal.aborted || retry !== undefined) return;
    failures++;
    retry = setTimeout(() => {
      retry = undefined;
      void resume().catch(() => undefined);
    }, backoffDelay(options.resumeBackoff, failures));
  };

  const consume = async (): Promise<void> => {
    await connection.declare(options.topology);
    const opened = await connection.createChannel();
    opened.on('error', (error: Error) => logger.warn({ err: error, queue }, 'AMQP consumer channel error'));
    opened.on('close', () => lose(opened));
    try {
      await opened.prefetch(options.prefetch);
      channel = opened;
      consumerTag = (await opened.consume(queue, (delivery) => onDelivery(opened, delivery), { noAck: false })).consumerTag;
      failures = 0;
    } catch (error) {
      await opened.close().catch(() => undefined);
      throw error;
    }
    if (stopping.signal.aborted) await opened.close().catch(() => undefined);
  };

  // At most one attempt at a time; nothing to do while disconnected: `connected` calls again.
  const resume = (): Promise<void> => {
    if (stopping.signal.aborted || channel !== undefined || connection.state !== 'connected') return Promise.resolve();
    resuming ??= consume()
      .catch((error: unknown) => {
        logger.warn({ err: error, queue }, 'cannot consume, trying again');
        scheduleResume();
        throw error;
      })
      .finally(() => {
        resuming = undefined;
      });
    return resuming;
  };

  const stopListening = connection.on('connected', () => void resume().catch(() => undefined));
  try {
    // Consuming before returning: a message published once `subscribe` resolved is delivered.
    while (channel === undefined) {
      await connection.ready();
      await resume().catch((error: unknown) => {
        if (connection.state === 'connected') throw error;
      });
    }
  } catch (error) {
    stopping.abort();
    stopListening();
    clearTimeout(retry);
    throw error;
  }

  return {
    async close() {
      stopping.abort();
      stopListening();
      clearTimeout(retry);
      await resuming?.catch(() => undefined);
      const current = channel;
      if (current !== undefined && consumerTag !== undefined) await current.cancel(consumerTag).catch(() => undefined);
      await Promise.allSettled(inFlight.items());
      channel = undefined;
      if (current !== undefined) await current.close().catch(() => undefined);
    },
  };
}
