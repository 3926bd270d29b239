import type { ConfirmChannel, Options } from 'amqplib';
import type { Logger } from 'pino';
import { AppError, errorCodes } from '../errors/index.ts';
import type { AmqpConnection } from './connection.ts';

/** A confirm channel with a bounded number of messages awaiting broker confirmation. */
export interface ConfirmWindow {
  /**
   * Waits for room (window not full, channel drained), publishes, and returns once the
   * message is written; `confirmed` then settles with the broker's answer. Calls made one
   * after another reach the broker in that order.
   */
  send(exchange: string, routingKey: string, content: Buffer, options: Options.Publish): Promise<{ confirmed: Promise<void> }>;
  /** Closes the channel; messages still unconfirmed reject. */
  close(): Promise<void>;
}

/** Creates a window over confirm channels of `connection`, reopened lazily after any loss. */
export function createConfirmWindow(connection: AmqpConnection, maxInFlight: number, logger: Logger): ConfirmWindow {
  const dead = new WeakSet<ConfirmChannel>();
  let channel: Promise<ConfirmChannel> | undefined;
  let inFlight = 0;
  let draining = false;
  let waiters: (() => void)[] = [];

  const wake = (): void => {
    const woken = waiters;
    waiters = [];
    for (const resolve of woken) resolve();
  };

  const open = (): Promise<ConfirmChannel> => {
    if (channel !== undefined) return channel;
    const opening = connection.createConfirmChannel().then((opened) => {
      opened.on('error', (error: Error) => logger.warn({ err: error }, 'AMQP confirm channel error'));
      opened.on('drain', () => {
        draining = false;
        wake();
      });
      opened.on('close', () => {
        dead.add(opened);
        if (channel === opening) channel = undefined;
        draining = false;
        wake();
      });
      return opened;
    });
    channel = opening;
    opening.catch(() => {
      if (channel === opening) channel = undefined;
    });
    return opening;
  };

  const lost = (error: unknown): AppError =>
    new AppError(errorCodes.unavailable, `cannot publish: ${error instanceof Error ? error.message : String(error)}`, { cause: error });

  return {
    async send(exchange, routingKey, content, options) {
      const opened = await open();
      while (inFlight >= maxInFlight || draining) {
        if (dead.has(opened)) break;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
      if (dead.has(opened)) throw lost(new Error('channel closed before the message was sent'));
      inFlight++;
      let written = true;
      const confirmed = new Promise<void>((resolve, reject) => {
        const settle = (error: unknown): void => {
          inFlight--;
          wake();
          if (error) reject(lost(error));
          else resolve();
        };
        try {
          if (!opened.publish(exchange, routingKey, content, options, settle)) draining = true;
        } catch (error) {
          written = false;
          settle(error);
        }
      });
      if (!written) await confirmed;
      return { confirmed };
    },
    async close() {
      const closing = channel;
      channel = undefined;
      if (closing !== undefined) await (await closing.catch(() => undefined))?.close().catch(() => undefined);
    },
  };
}
