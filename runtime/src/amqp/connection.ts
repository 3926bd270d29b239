import { EventEmitter } from 'node:events';
import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib';
import type { Logger } from 'pino';
import { AppError, errorCodes } from '../errors/index.ts';
import { backoffDelay, validateBackoff, type BackoffOptions } from '../messaging/backoff.ts';
import { silentLogger } from '../messaging/silent-logger.ts';
import { declareTopology, type Topology } from './topology.ts';

/** `connecting` until the first connection, `disconnected` while reconnecting, `closed` for good. */
export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'closed';

/** Options of a managed AMQP connection. */
export interface AmqpConnectionOptions {
  /** Broker URL, e.g. `amqp://guest:guest@127.0.0.1:5672` (add `?heartbeat=10` to detect dead peers sooner). Required. */
  readonly url: string;
  /** Connection name shown by the broker (`connection_name` client property). Default `platform`. */
  readonly name?: string;
  /** Delays between reconnect attempts. Default: initialInterval 100, multiplier 2, maxInterval 30_000, jitter 0.2. */
  readonly reconnect?: Partial<BackoffOptions>;
  /** Logs losses and reconnects. Default: silent. */
  readonly logger?: Logger;
}

/**
 * A connection that reconnects by itself (amqplib's `recovery`, with our backoff), declares
 * registered topology on every (re)connection before announcing it, and reports its state.
 * Channels die with the connection they were opened on: users reopen them on `connected`.
 */
export interface AmqpConnection {
  readonly name: string;
  readonly state: ConnectionState;
  /** Declares now when connected and again after every reconnect; failures reject (AppError unavailable). */
  declare(topology: Topology): Promise<void>;
  /** Opens a channel on the current connection; rejects with AppError unavailable when not connected. */
  createChannel(): Promise<Channel>;
  /** Opens a confirm channel on the current connection; rejects with AppError unavailable when not connected. */
  createConfirmChannel(): Promise<ConfirmChannel>;
  /** Resolves when connected (at once if already); rejects once the connection is closed. */
  ready(): Promise<void>;
  /** Listens to state changes; returns the function that stops listening. */
  on(event: 'state', listener: (state: ConnectionState, error?: Error) => void): () => void;
  /** Listens to each (re)connection, after the topology was declared; returns the function that stops listening. */
  on(event: 'connected', listener: () => void): () => void;
  /** Closes the connection for good (channels included). */
  close(): Promise<void>;
}

/** Creates a managed connection; it starts connecting at once, in the background. */
export function createAmqpConnection(options: AmqpConnectionOptions): AmqpConnection {
  if (typeof options?.url !== 'string' || options.url === '') throw new AppError(errorCodes.invalidConfig, 'cannot create AMQP connection: url must be a non-empty string');
  const name = options.name ?? 'platform';
  const backoff = validateBackoff({ initialInterval: 100, multiplier: 2, maxInterval: 30_000, jitter: 0.2, ...options.reconnect }, 'AMQP connection');
  const logger = (options.logger ?? silentLogger).child({ connection: name });
  const events = new EventEmitter();
  const topologies = new Set<Topology>();
  let model: ChannelModel | undefined;
  let state: ConnectionState = 'connecting';

  const setState = (next: ConnectionState, error?: Error): void => {
    if (state === 'closed' || state === next) return;
    state = next;
    events.emit('state', next, error);
  };

  const declareOn = async (on: ChannelModel, topology: Topology): Promise<void> => {
    const channel = await on.createChannel();
    try {
      await declareTopology(channel, topology);
    } finally {
      await channel.close().catch(() => undefined);
    }
  };

  // amqplib is loaded with the first connection: a part on the in-process bus or without events never loads it.
  const recovering = import('amqplib').then(({ connect }) => connect(options.url, {
    clientProperties: { connection_name: name },
    // TCP_NODELAY: without it a publish or an ack written while the broker has not yet
    // acknowledged the previous segment waits for the broker's delayed ACK (40 ms on Linux). A
    // quorum queue's publisher confirm took 42 ms at p50 that way, against 1 ms with it (300
    // persistent messages a second on one channel); amqplib leaves Nagle's algorithm on.
    noDelay: true,
    recovery: {
      waitForConnect: false,
      calculateDelay: (attempt: number) => backoffDelay(backoff, attempt),
      setup: async (fresh: ChannelModel) => {
        for (const topology of topologies) await declareOn(fresh, topology);
      },
    },
  })).then((connection) => {
    connection.on('connect', (fresh: ChannelModel) => {
      model = fresh;
      logger.info('AMQP connection established');
      setState('connected');
      events.emit('connected');
    });
    connection.on('disconnect', (error: Error) => {
      model = undefined;
      logger.warn({ err: error }, 'AMQP connection lost, reconnecting');
      setState('disconnected', error);
    });
    connection.on('connect-failed', (error: Error) => logger.warn({ err: error }, 'AMQP connection attempt failed'));
    connection.on('reconnect-scheduled', (info: { attempt: number; delay: number }) => logger.debug(info, 'AMQP reconnect scheduled'));
    connection.on('reconnect-failed', (error: Error) => setState('closed', error));
    connection.on('blocked', (reason: string) => logger.warn({ reason }, 'AMQP connection blocked by the broker'));
    connection.on('error', (error: Error) => logger.debug({ err: error }, 'AMQP connection error'));
    return connection;
  });

  const subscribe = (event: 'state' | 'connected', listener: (...args: never[]) => void): (() => void) => {
    const untyped = listener as (...args: unknown[]) => void;
    events.on(event, untyped);
    return () => void events.off(event, untyped);
  };
  const current = (what: string): ChannelModel => {
    if (model === undefined) throw new AppError(errorCodes.unavailable, `cannot ${what}: connection ${name} is ${state}`);
    return model;
  };
  const unavailable = (what: string, error: unknown): AppError =>
    new AppError(errorCodes.unavailable, `cannot ${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });

  return {
    name,
    get state() {
      return state;
    },
    async declare(topology) {
      topologies.add(topology);
      if (model === undefined) return;
      try {
        await declareOn(model, topology);
      } catch (error) {
        topologies.delete(topology);
        throw unavailable('declare topology', error);
      }
    },
    async createChannel() {
      return current('open channel').createChannel().catch((error: unknown) => Promise.reject(unavailable('open channel', error)));
    },
    async createConfirmChannel() {
      return current('open confirm channel').createConfirmChannel().catch((error: unknown) => Promise.reject(unavailable('open confirm channel', error)));
    },
    ready() {
      if (state === 'connected') return Promise.resolve();
      if (state === 'closed') return Promise.reject(new AppError(errorCodes.unavailable, `cannot wait for connection ${name}: it is closed`));
      return new Promise((resolve, reject) => {
        const stop = subscribe('state', (next: ConnectionState) => {
          if (next === 'connected') resolve();
          else if (next === 'closed') reject(new AppError(errorCodes.unavailable, `cannot wait for connection ${name}: it is closed`));
          else return;
          stop();
        });
      });
    },
    on: subscribe,
    async close() {
      setState('closed');
      model = undefined;
      await (await recovering).close();
    },
  };
}
