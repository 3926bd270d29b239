/**
 * commands-service as one object: database, REST listener, start-up sync and platform event
 * consumer, started and stopped in order. `main.ts` runs it alone; the single-process launcher
 * runs it beside the other parts, sharing its in-process bus.
 */
import { commandsServicePlatformEventsQueue, subscribePlatformEvents } from '@platform/gen/asyncapi/platform-events/index.ts';
import { commandsServiceSurface } from '@platform/gen/openapi/commands-service/server.ts';
import { databaseCheck, openDatabase, schemaSource } from '@platform/runtime/db';
import { createService, settleMemory } from '@platform/runtime/lifecycle';
import type { Service } from '@platform/runtime/lifecycle';
import { localUrl } from '@platform/runtime/http';
import type { Logger } from '@platform/runtime/logging';
import { type QueueOptions, createEventConsumer, createEventTransport } from '@platform/runtime/events';
import type { InProcessBus } from '@platform/runtime/messaging';
import { createTokenVerifier, describeAuthentication } from '@platform/runtime/auth';
import { createRestServer } from '@platform/runtime/rest';
import type { CommandsServiceConfig } from './config.ts';
import { commandsServiceDatabase } from './database.ts';
import { createCatalogueCopy } from './platforms/catalogue-copy.ts';
import { createPlatformEventHandlers } from './platforms/platform-events.ts';
import { connectPlatformService } from './platforms/platform-service-client.ts';
import { createStartupSync } from './platforms/startup-sync.ts';
import { createRestHandlers } from './rest-handlers.ts';

/** Broker object names of the platform events queue; the defaults are the contract's (contracts/asyncapi/platform-events.yaml). */
export interface PlatformEventNames {
  /** Topic exchange platform-service publishes to. Default `platform.events`. */
  readonly exchange: string;
  /** Durable quorum queue shared by every replica. Default `commands-service.platform-events.v2`. */
  readonly queue: string;
  /** Dead-letter exchange (topic). Default `platform.events.dlx`. */
  readonly deadLetterExchange: string;
  /** Dead-letter queue, bound to the DLX by the queue's name. Default `commands-service.platform-events.v2.dlq`. */
  readonly deadLetterQueue: string;
  /**
   * Older queues drained into `queue`, then deleted, at start-up (the contract's `x-replaces-queues`).
   * Default: the contract's (`commands-service.platform-events`) when `queue` is the contract's, else none.
   */
  readonly replacedQueues?: readonly string[];
  /** Older dead-letter queues drained into `deadLetterQueue`, likewise. Default: the contract's when `queue` is the contract's, else none. */
  readonly replacedDeadLetterQueues?: readonly string[];
}

export const contractEventNames: PlatformEventNames = {
  exchange: commandsServicePlatformEventsQueue.exchange,
  queue: commandsServicePlatformEventsQueue.queue,
  deadLetterExchange: commandsServicePlatformEventsQueue.deadLetter.exchange,
  deadLetterQueue: commandsServicePlatformEventsQueue.deadLetter.queue,
  replacedQueues: commandsServicePlatformEventsQueue.replaces,
  replacedDeadLetterQueues: commandsServicePlatformEventsQueue.deadLetter.replaces,
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

/**
 * Opens the database, listens (HTTP_PORT 0 picks a free port), starts consuming and the sync;
 * resolves with the REST base URL. Graceful stop: /readyz turns 503, the sync is cancelled,
 * consuming stops after the message in hand (acked, or requeued), HTTP drains, broker and
 * database close. /readyz checks `database`, `startup-sync` ("not synced" until done) and `platform-events`.
 */
export type CommandsService = Service<{ readonly restUrl: string }>;

/** commands-service's pieces, in start order; the runtime stops them in reverse (see runtime/lifecycle). */
export function createCommandsService(options: CommandsServiceOptions): CommandsService {
  const { config, logger } = options;
  const ownNames = options.eventNames?.queue !== undefined && options.eventNames.queue !== contractEventNames.queue;
  // Queues of other names (a test's, an environment's) never drain the contract's old queues.
  const names: PlatformEventNames = { ...contractEventNames, ...(ownNames ? { replacedQueues: [], replacedDeadLetterQueues: [] } : {}), ...options.eventNames };
  const queue: QueueOptions = {
    exchange: names.exchange,
    queue: names.queue,
    deadLetter: {
      exchange: names.deadLetterExchange,
      queue: names.deadLetterQueue,
      arguments: commandsServicePlatformEventsQueue.deadLetter.arguments,
      replaces: names.replacedDeadLetterQueues ?? [],
    },
    arguments: commandsServicePlatformEventsQueue.arguments,
    replaces: names.replacedQueues ?? [],
    prefetch: config.amqpPrefetch,
  };

  return createService({
    name: 'commands-service',
    logger,
    describe: ({ restUrl }) => ({ restUrl, pid: process.pid }),
    async start({ start, readiness }) {
      const schema = schemaSource(config.nodeEnv);
      const orm = await start({ name: 'database', start: () => openDatabase({ ...config.database, ...commandsServiceDatabase, schema, logger }), stop: (opened) => opened.close() });
      readiness.register('database', databaseCheck(orm));
      const rest = createRestServer({
        surface: commandsServiceSurface,
        handlers: createRestHandlers(orm),
        logger,
        validateResponses: config.nodeEnv !== 'production',
        requestValidation: config.nodeEnv === 'production' ? 'compiled' : 'reference',
        readiness: () => readiness.report(),
        authentication: config.auth ? createTokenVerifier(config.auth) : 'off',
      });
      const address = await start({ name: 'rest', start: () => rest.listen(config.httpPort, config.host), stop: () => rest.close() });
      const restUrl = localUrl(address);
      logger.info({ restUrl, port: address.port, authentication: describeAuthentication(config.auth) }, 'REST listening');

      const copy = createCatalogueCopy(orm);
      // The queue first, then the sync: a platform created in between arrives as an event.
      const transport = await start({
        name: 'events',
        start: () => createEventTransport({ amqpUrl: config.amqpUrl, inProcess: options.inProcessBus, connectionName: config.amqpConnectionName, logger }),
        stop: (opened) => opened.close(),
      });
      const handlers = createPlatformEventHandlers(copy, logger);
      const consumer = createEventConsumer({
        transport,
        queue,
        subscribe: (subscriber, subscribeOptions) => subscribePlatformEvents(subscriber, handlers, subscribeOptions),
        retry: { maxRetries: config.eventMaxRetries, initialInterval: config.eventRetryInitialDelay, maxInterval: config.eventRetryMaxDelay },
        brokerWaitMs: config.amqpStartupWait,
        logger,
      });
      readiness.register('platform-events', () => consumer.check());
      await start({ name: 'platform-events', start: () => consumer.start(), stop: () => consumer.stop() });
      const platformService = await start({ name: 'platform-service-connection', start: () => connectPlatformService(config.platformServiceGrpcUrl, logger), stop: (connection) => connection.close() });
      const sync = createStartupSync({
        client: platformService.client,
        copy,
        logger,
        batchSize: config.syncBatchSize,
        backoff: { initialInterval: config.syncInitialBackoff, maxInterval: config.syncMaxBackoff },
        attemptTimeoutMs: config.syncAttemptTimeout,
      });
      readiness.register('startup-sync', sync.check);
      void sync.finished.then(() => {
        platformService.close();
        // What the start and the sync left (parsed contracts, the streamed rows, the closed connection)
        // is garbage from here on; main.ts has runService leave the settling to this point, so the
        // sync is never paused by it. Production only: a test run starts many services in one process.
        if (sync.state === 'synced' && config.nodeEnv === 'production') settleMemory();
      });
      await start({ name: 'startup-sync', start: () => sync.start(), stop: () => sync.stop() });
      return { restUrl };
    },
  });
}
