/**
 * Moving a subscription to a queue of another name without losing a message. RabbitMQ refuses to
 * redeclare a queue with other arguments (a classic queue cannot become a quorum queue), so a
 * queue whose arguments change gets a new name, declared and bound beside the old one; then the
 * old queue is drained into it and deleted:
 *
 * 1. the new queue exists and is bound (the subscriber declared it): from now on every new
 *    message reaches it, so removing the old queue's bindings can no longer strand one;
 * 2. the old queue's bindings of the same routing keys are removed: new messages reach only the
 *    new queue (until then they reached both; consumers are idempotent);
 * 3. an exclusive consumer (one migrating replica at a time) moves each waiting message to the
 *    new queue through the default exchange, with its properties and headers, and acknowledges
 *    it only once the broker confirmed the copy;
 * 4. once the old queue has no message left and none is in flight, it is deleted `ifEmpty` and
 *    `ifUnused`: the broker refuses while consumers of the previous version still read it or a
 *    message arrived meanwhile, and the migration tries again later.
 *
 * Each step is idempotent, so every replica runs the migration at every start; it ends at once
 * when the old queue is gone.
 */
import type { Channel, ConfirmChannel, MessageProperties, Options } from 'amqplib';
import type { Logger } from 'pino';
import { AppError, errorCodes } from '../errors/index.ts';
import { sleep } from '../messaging/backoff.ts';
import { silentLogger } from '../messaging/silent-logger.ts';
import type { AmqpConnection } from './connection.ts';

/** Options of a queue migration. */
export interface QueueMigrationOptions {
  /** The managed connection to migrate on (shared; not closed by the migration). Required. */
  readonly connection: AmqpConnection;
  /** The old queue: drained into `to`, then deleted. Required. */
  readonly from: string;
  /** The new queue, declared and bound already (a missing one fails the attempt: moving into nothing would drop messages). Required. */
  readonly to: string;
  /** Bindings to remove from the old queue first: those the new queue took over. */
  readonly unbind: readonly { readonly exchange: string; readonly routingKey: string }[];
  /** Wait before trying again after an attempt that could not finish, in milliseconds. Default 5_000. */
  readonly retryInterval?: number;
  /** Messages moved at once (unacknowledged on the old queue). Default 100. */
  readonly prefetch?: number;
  /** Default: silent. */
  readonly logger?: Logger;
}

/** A migration running in the background. */
export interface QueueMigration {
  /** Resolves once the old queue is gone, with how many messages this migration moved; never rejects. Stays pending after `stop`. */
  readonly done: Promise<{ readonly moved: number }>;
  /** Stops trying; a message in flight is either acknowledged after its copy was confirmed, or stays in the old queue. */
  stop(): Promise<void>;
}

/** Starts migrating `from` into `to` in the background; see the module comment for the steps. */
export function startQueueMigration(options: QueueMigrationOptions): QueueMigration {
  const invalid = (why: string): never => {
    throw new AppError(errorCodes.invalidConfig, `cannot migrate queue: ${why}`);
  };
  if (typeof options?.from !== 'string' || options.from === '') invalid('from must be a non-empty string');
  if (typeof options.to !== 'string' || options.to === '' || options.to === options.from) invalid('to must be a non-empty string other than from');
  const retryInterval = options.retryInterval ?? 5_000;
  if (!Number.isFinite(retryInterval) || retryInterval < 0) invalid(`retryInterval must be a finite number >= 0, got ${retryInterval}`);
  const prefetch = options.prefetch ?? 100;
  if (!Number.isInteger(prefetch) || prefetch < 1 || prefetch > 65_535) invalid(`prefetch must be an integer from 1 to 65535, got ${prefetch}`);
  const { connection, from, to } = options;
  const logger = (options.logger ?? silentLogger).child({ migration: { from, to } });
  const stopping = new AbortController();
  let moved = 0;

  const attempt = async (): Promise<boolean> => {
    await Promise.race([connection.ready(), sleep(2 ** 31 - 1, stopping.signal)]);
    if (stopping.signal.aborted) return false;
    if (!(await queueExists(connection, from))) return true;
    const channel = await connection.createConfirmChannel();
    // A refusal (exclusive access, a queue not empty at delete) closes the channel; the attempt then rejects.
    channel.on('error', () => undefined);
    try {
      await channel.checkQueue(to);
      for (const binding of options.unbind) await channel.unbindQueue(from, binding.exchange, binding.routingKey);
      const mover = await startMover(channel, from, to, prefetch, () => moved++);
      while (!stopping.signal.aborted) {
        mover.check();
        const { messageCount } = await channel.checkQueue(from);
        if (messageCount === 0 && mover.inFlight() === 0) break;
        await sleep(50, stopping.signal);
      }
      await mover.cancel();
      if (stopping.signal.aborted) return false;
      await channel.deleteQueue(from, { ifEmpty: true, ifUnused: true });
      return true;
    } finally {
      await channel.close().catch(() => undefined);
    }
  };

  const { promise: done, resolve: resolveDone } = Promise.withResolvers<{ moved: number }>();
  // Resolves when the loop ended: the old queue is gone, or stop() was called.
  const running = (async (): Promise<void> => {
    for (let attempts = 1; !stopping.signal.aborted; attempts++) {
      try {
        if (await attempt()) {
          logger.info({ moved }, moved > 0 ? 'old queue drained into the new one and deleted' : 'old queue gone');
          resolveDone({ moved });
          return;
        }
      } catch (error) {
        if (stopping.signal.aborted) return;
        logger.info({ err: error, attempts, retryInterval }, 'old queue not migrated yet (another replica migrating, old consumers attached, or broker unreachable); trying again');
      }
      await sleep(retryInterval, stopping.signal);
    }
  })();
  return {
    done,
    async stop() {
      stopping.abort();
      await running;
    },
  };
}

/** Whether `queue` exists, asked on a channel of its own (a missing queue closes the channel it was asked on). */
async function queueExists(connection: AmqpConnection, queue: string): Promise<boolean> {
  const probe: Channel = await connection.createChannel();
  probe.on('error', () => undefined);
  try {
    await probe.checkQueue(queue);
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === 404) return false;
    throw error;
  } finally {
    await probe.close().catch(() => undefined);
  }
}

interface Mover {
  inFlight(): number;
  /** Throws the first failed copy. */
  check(): void;
  /** Cancels the consumer, then waits until every message in flight is settled. */
  cancel(): Promise<void>;
}

async function startMover(channel: ConfirmChannel, from: string, to: string, prefetch: number, onMoved: () => void): Promise<Mover> {
  let inFlight = 0;
  let failure: unknown;
  let settled: (() => void) | undefined;
  await channel.prefetch(prefetch);
  // A copy the broker could not route (the new queue deleted meanwhile) is returned before its
  // confirm: from then on nothing more is acked, so every message not surely copied stays in the
  // old queue (a copy that did arrive may then be there twice; the consumer is idempotent).
  channel.on('return', () => {
    failure ??= new Error(`cannot move messages from ${from}: queue ${to} no longer takes them (a copy was returned unroutable)`);
  });
  const { consumerTag } = await channel.consume(
    from,
    (delivery) => {
      // null: the broker cancelled the consumer (the queue was deleted by another replica).
      if (delivery === null) return;
      inFlight++;
      const done = (): void => {
        inFlight--;
        if (inFlight === 0) settled?.();
      };
      try {
        channel.publish('', to, delivery.content, { ...publishOptions(delivery.properties), mandatory: true }, (error: unknown) => {
          // Unacknowledged, the message stays in the old queue (requeued now, or when the channel closes).
          if (error) failure ??= error;
          else if (failure === undefined) {
            channel.ack(delivery);
            onMoved();
          }
          done();
        });
      } catch (error) {
        // The channel closed under us: the message returns to the old queue with the channel.
        failure ??= error;
        done();
      }
    },
    { exclusive: true, noAck: false },
  );
  return {
    inFlight: () => inFlight,
    check() {
      if (failure !== undefined) throw failure;
    },
    async cancel() {
      await channel.cancel(consumerTag);
      if (inFlight > 0) await new Promise<void>((resolve) => (settled = resolve));
      if (failure !== undefined) throw failure;
    },
  };
}

/** The publish options that copy a delivered message: its properties and headers (`x-death` included), as they were. */
function publishOptions(properties: MessageProperties): Options.Publish {
  const options: Options.Publish = {};
  const keys = ['contentType', 'contentEncoding', 'headers', 'deliveryMode', 'priority', 'correlationId', 'replyTo', 'expiration', 'messageId', 'timestamp', 'type', 'appId'] as const;
  // userId is left out: the broker checks it against the connection's user, which is ours, not the publisher's.
  for (const key of keys) {
    const value = properties[key];
    if (value !== undefined && value !== null) (options as Record<string, unknown>)[key] = value;
  }
  return options;
}
