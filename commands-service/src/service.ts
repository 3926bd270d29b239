/**
 * commands-service as one object: database, REST listener, start-up sync and platform event
 * consumer, started and stopped in order. `main.ts` runs it alone; the single-process launcher
 * runs it beside the other parts, sharing its in-process bus.
 */
import { commandsServicePlatformEventsQueue, subscribePlatformEvents } from '@platform/gen/asyncapi/platform-events/index.ts';
import { commandsServiceSurface } from '@platform/gen/openapi/commands-service/server.ts';
import type { Orm } from '@platform/runtime/db';
import { AppError, errorCodes } from '@platform/runtime/errors';
import { type Readiness, createReadiness } from '@platform/runtime/lifecycle';
import { localUrl } from '@platform/runtime/http';
import type { Logger } from '@platform/runtime/logging';
import { type EventConsumer, type EventTransport, type QueueOptions, createEventConsumer, createEventTransport } from '@platform/runtime/events';
import type { InProcessBus } from '@platform/runtime/messaging';
import { createTokenVerifier, describeAuthentication } from '@platform/runtime/auth';
import { type RestServer, createRestServer } from '@platform/runtime/rest';
import type { CommandsServiceConfig } from './config.ts';
import { openDatabase } from './database.ts';
import { createCatalogueCopy } from './platforms/catalogue-copy.ts';
import { createPlatformEventHandlers } from './platforms/platform-events.ts';
import { type PlatformServiceConnection, connectPlatformService } from './platforms/platform-service-client.ts';
import { type StartupSync, createStartupSync } from './platforms/startup-sync.ts';
import { createRestHandlers } from './rest-handlers.ts';

/** Broker object names of the platform events queue; the defaults are the contract's (contracts/asyncapi/platform-events.yaml). */
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
  exchange: commandsServicePlatformEventsQueue.exchange,
  queue: commandsServicePlatformEventsQueue.queue,
  deadLetterExchange: commandsServicePlatformEventsQueue.deadLetter.exchange,
  deadLetterQueue: commandsServicePlatformEventsQueue.deadLetter.queue,
};

export interface CommandsServiceOptions {
  /** From `loadConfig()`. */
  readonly config: CommandsServiceConfig;
  readonly logger: Logger;
  /**
   * The in-process bus of the one-process launcher, used when `config.amqpUrl` is unset; owned by
   * the caller (not closed by stop); its dead-letter list keeps what the consumer gives up on.
   * Neither: no consumer runs and /readyz says so.
   */
  readonly inProcessBus?: InProcessBus;
  /** Broker object names; default the contract's. Tests pass unique ones. */
  readonly eventNames?: Partial<PlatformEventNames>;
}

export interface CommandsService {
  /** Opens the database, listens (HTTP_PORT 0 picks a free port), starts consuming and the sync; resolves with the REST base URL. */
  start(): Promise<{ readonly restUrl: string }>;
  /**
   * Graceful stop: /readyz turns 503, the sync is cancelled, consuming stops after the
   * message in hand (acked, or requeued), HTTP drains, broker and database close. Idempotent.
   */
  stop(): Promise<void>;
  /** What /readyz reports: checks `database`, `startup-sync` ("not synced" until done) and `platform-events`. */
  readonly readiness: Readiness;
}

export function createCommandsService(options: CommandsServiceOptions): CommandsService {
  const { config, logger } = options;
  const readiness = createReadiness();
  const names: PlatformEventNames = { ...contractEventNames, ...options.eventNames };
  let orm: Orm | undefined;
  let rest: RestServer | undefined;
  let platformService: PlatformServiceConnection | undefined;
  let sync: StartupSync | undefined;
  let transport: EventTransport | undefined;
  let consumer: EventConsumer | undefined;
  let starting: Promise<{ restUrl: string }> | undefined;
  let stopping: Promise<void> | undefined;

  const queue: QueueOptions = {
    exchange: names.exchange,
    queue: names.queue,
    deadLetter: { exchange: names.deadLetterExchange, queue: names.deadLetterQueue },
    arguments: commandsServicePlatformEventsQueue.arguments,
    prefetch: config.amqpPrefetch,
  };

  async function startAll(): Promise<{ restUrl: string }> {
    const opened = await openDatabase(config, logger);
    orm = opened;
    readiness.register('database', async () => {
      const connection = await opened.checkConnection();
      return connection.ok ? { ok: true } : { ok: false, detail: connection.reason };
    });

    rest = createRestServer({
      surface: commandsServiceSurface,
      handlers: createRestHandlers(opened),
      logger,
      validateResponses: config.nodeEnv !== 'production',
      requestValidation: config.nodeEnv === 'production' ? 'compiled' : 'reference',
      readiness: () => readiness.report(),
      authentication: config.auth ? createTokenVerifier(config.auth) : 'off',
    });
    const address = await rest.listen(config.httpPort, config.host);
    const restUrl = localUrl(address);
    logger.info({ restUrl, port: address.port, authentication: describeAuthentication(config.auth) }, 'REST listening');

    const copy = createCatalogueCopy(opened);
    // The queue first, then the sync: a platform created in between arrives as an event.
    transport = createEventTransport({ amqpUrl: config.amqpUrl, inProcess: options.inProcessBus, connectionName: config.amqpConnectionName, logger });
    const handlers = createPlatformEventHandlers(copy, logger);
    consumer = createEventConsumer({
      transport,
      queue,
      subscribe: (subscriber, subscribeOptions) => subscribePlatformEvents(subscriber, handlers, subscribeOptions),
      retry: { maxRetries: config.eventMaxRetries, initialInterval: config.eventRetryInitialDelay, maxInterval: config.eventRetryMaxDelay },
      brokerWaitMs: config.amqpStartupWait,
      logger,
    });
    readiness.register('platform-events', () => consumer?.check() ?? Promise.resolve({ ok: false, detail: 'not started' }));
    await consumer.start();
    platformService = connectPlatformService(config.platformServiceGrpcUrl);
    sync = createStartupSync({
      client: platformService.client,
      copy,
      logger,
      batchSize: config.syncBatchSize,
      backoff: { initialInterval: config.syncInitialBackoff, maxInterval: config.syncMaxBackoff },
      attemptTimeoutMs: config.syncAttemptTimeout,
    });
    readiness.register('startup-sync', sync.check);
    const connection = platformService;
    void sync.finished.then(() => connection.close());
    sync.start();
    return { restUrl };
  }

  // Releases whatever was started, once; used by stop() and by a failed start().
  let closing: Promise<void> | undefined;
  function closeAll(): Promise<void> {
    closing ??= (async () => {
      const step = async (name: string, close: (() => Promise<void> | void) | undefined): Promise<void> => {
        if (close === undefined) return;
        try {
          await close();
        } catch (error) {
          logger.error({ err: error, step: name }, 'cannot stop cleanly');
        }
      };
      await step('startup-sync', sync?.stop);
      await step('platform-service-connection', platformService?.close);
      await step('platform-events', consumer?.stop);
      await step('events', transport?.close);
      await step('rest', rest?.close);
      await step('database', orm ? () => orm?.close() : undefined);
      logger.info('commands-service stopped');
    })();
    return closing;
  }

  return {
    readiness,
    start() {
      if (stopping) return Promise.reject(new AppError(errorCodes.unavailable, 'cannot start commands-service: it was stopped'));
      starting ??= startAll().catch(async (error: unknown) => {
        readiness.drain();
        await closeAll();
        throw error;
      });
      return starting;
    },
    stop() {
      stopping ??= (async () => {
        readiness.drain();
        // Let a start in progress reach a known state, then release everything it opened.
        await starting?.catch(() => undefined);
        await closeAll();
      })();
      return stopping;
    },
  };
}
