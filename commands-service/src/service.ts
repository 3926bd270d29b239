/**
 * commands-service as one object: database, REST listener, start-up sync and platform event
 * consumer, started and stopped in order. `main.ts` runs it alone; the single-process launcher
 * runs it beside the other parts, injecting the in-process bus as `subscriber`.
 */
import { commandsServiceSurface } from '@platform/gen/openapi/commands-service/server.ts';
import type { Orm } from '@platform/runtime/db';
import { AppError, errorCodes } from '@platform/runtime/errors';
import { type Readiness, createReadiness } from '@platform/runtime/lifecycle';
import { localUrl } from '@platform/runtime/http';
import type { Logger } from '@platform/runtime/logging';
import type { Publisher, Subscriber } from '@platform/runtime/messaging';
import { createTokenVerifier, describeAuthentication } from '@platform/runtime/auth';
import { type RestServer, createRestServer } from '@platform/runtime/rest';
import type { CommandsServiceConfig } from './config.ts';
import { openDatabase } from './database.ts';
import { createPlatformEventHandlers } from './platforms/platform-events.ts';
import {
  type PlatformEventNames,
  type PlatformEventsConsumer,
  type PlatformEventsConsumerOptions,
  contractEventNames,
  createPlatformEventsConsumer,
} from './platforms/platform-events-consumer.ts';
import { type PlatformServiceConnection, connectPlatformService } from './platforms/platform-service-client.ts';
import { type StartupSync, createStartupSync } from './platforms/startup-sync.ts';
import { createRestHandlers } from './rest-handlers.ts';

export type { PlatformEventNames } from './platforms/platform-events-consumer.ts';

export interface CommandsServiceOptions {
  /** From `loadConfig()`. */
  readonly config: CommandsServiceConfig;
  readonly logger: Logger;
  /**
   * Source of platform events, e.g. `bus.createSubscriber({ queue: 'commands-service.platform-events' })`
   * of the in-process bus; owned by the caller (not closed by stop). Default: RabbitMQ at
   * `config.amqpUrl`; with neither, no consumer runs and /readyz says so.
   */
  readonly subscriber?: Subscriber;
  /**
   * With `subscriber`: where dead letters are published (topic: the queue name). Default: none,
   * failures are left to the subscriber's own redelivery policy (the in-process bus keeps them
   * in its dead-letter list after its last delivery). Ignored for RabbitMQ, which dead-letters
   * to the DLX.
   */
  readonly deadLetterPublisher?: Publisher;
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
  let consumer: PlatformEventsConsumer | undefined;
  let starting: Promise<{ restUrl: string }> | undefined;
  let stopping: Promise<void> | undefined;

  function eventSource(): PlatformEventsConsumerOptions['source'] {
    if (options.subscriber) {
      return { kind: 'injected', subscriber: options.subscriber, deadLetterPublisher: options.deadLetterPublisher, deadLetterTopic: names.queue };
    }
    if (config.amqpUrl) return { kind: 'amqp', url: config.amqpUrl, connectionName: config.amqpConnectionName, prefetch: config.amqpPrefetch, names };
    return { kind: 'none', why: 'AMQP_URL is not set' };
  }

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
      readiness: () => readiness.report(),
      authentication: config.auth ? createTokenVerifier(config.auth) : 'off',
    });
    const address = await rest.listen(config.httpPort, config.host);
    const restUrl = localUrl(address);
    logger.info({ restUrl, port: address.port, authentication: describeAuthentication(config.auth) }, 'REST listening');

    // The queue first, then the sync: a platform created in between arrives as an event.
    consumer = createPlatformEventsConsumer({
      source: eventSource(),
      handlers: createPlatformEventHandlers(opened, logger),
      logger,
      retry: { maxRetries: config.eventMaxRetries, initialInterval: config.eventRetryInitialDelay, maxInterval: config.eventRetryMaxDelay },
      brokerWaitMs: config.amqpStartupWait,
    });
    readiness.register('platform-events', () => consumer?.check() ?? Promise.resolve({ ok: false, detail: 'not started' }));
    await consumer.start();

    platformService = connectPlatformService(config.platformServiceGrpcUrl);
    sync = createStartupSync({
      client: platformService.client,
      orm: opened,
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
