/**
 * platform-service assembled: database (schema at start, optional seed), REST on HTTP_PORT,
 * Connect-gRPC on GRPC_PORT, platform events through the outbox and its forwarder, and the
 * commands-service inbound call. `main.ts` runs it alone; a launcher may run it in-process
 * with its in-process bus.
 */
import { PlatformService as PlatformRpcService } from '@platform/gen/proto/platforms/v1/platforms_pb.ts';
import { platformServiceSurface } from '@platform/gen/openapi/platform-service/server.ts';
import { platformPublishedTopology } from '@platform/gen/asyncapi/platform-events/index.ts';
import type { Orm } from '@platform/runtime/db';
import { createEventTransport, createOutboxForwarder } from '@platform/runtime/events';
import type { EventTransport, OutboxForwarder } from '@platform/runtime/events';
import { createGrpcServer } from '@platform/runtime/grpc';
import type { GrpcServer } from '@platform/runtime/grpc';
import type { ReadinessReport } from '@platform/runtime/lifecycle';
import { localUrl } from '@platform/runtime/http';
import type { Logger } from '@platform/runtime/logging';
import type { InProcessBus } from '@platform/runtime/messaging';
import { createDatabaseOutbox } from '@platform/runtime/outbox';
import { createTokenVerifier, describeAuthentication } from '@platform/runtime/auth';
import { createRestServer } from '@platform/runtime/rest';
import type { RestServer } from '@platform/runtime/rest';
import { createCommandsSync } from './commands-sync.ts';
import type { CommandsSync } from './commands-sync.ts';
import type { PlatformServiceConfig } from './config.ts';
import { openDatabase } from './database.ts';
import { createPlatformGrpcHandlers } from './platforms/grpc-handlers.ts';
import { createPlatformRestHandlers } from './platforms/rest-handlers.ts';
import { seedCatalogue } from './platforms/seed.ts';
import { createPlatformWriter } from './platforms/write-platforms.ts';
import { createServiceReadiness } from './readiness.ts';

export interface PlatformServiceOptions {
  readonly config: PlatformServiceConfig;
  readonly logger: Logger;
  /**
   * The in-process bus of the one-process launcher, used when `config.events.amqpUrl` is unset; its
   * owner closes it. Neither: events wait in the outbox.
   */
  readonly inProcessBus?: InProcessBus;
  /** Exchange of platform events. Default: `config.events.exchange`, else the contract's `platform.events`. */
  readonly exchange?: string;
}

export interface PlatformServiceAddresses {
  /** Base URL of the REST listener, e.g. `http://127.0.0.1:5000`. */
  readonly restUrl: string;
  /** Base URL of the h2c gRPC/Connect listener, e.g. `http://127.0.0.1:5001`. */
  readonly grpcUrl: string;
}

export interface PlatformService {
  /** Opens the database, seeds it when enabled, starts both listeners and the relay. Call once. */
  start(): Promise<PlatformServiceAddresses>;
  /**
   * Graceful stop: not ready, listeners stop accepting and finish in-flight requests, pending
   * commands-service calls are cancelled, the relay finishes its current batch, then the broker
   * connection and the database close. Safe to call twice and before start.
   */
  stop(): Promise<void>;
  /** The /readyz report: `database` decides; `bus` and `outbox` are reported (see readiness.ts). */
  readiness(): Promise<ReadinessReport>;
}

interface Running {
  readonly orm: Orm;
  readonly transport: EventTransport;
  readonly forwarder: OutboxForwarder;
  readonly sync: CommandsSync | undefined;
  readonly rest: RestServer | undefined;
  readonly grpc: GrpcServer | undefined;
  readonly report: () => Promise<ReadinessReport>;
  readonly drain: () => void;
}

const notStarted: ReadinessReport = { ok: false, draining: false, checks: { service: { ok: false, detail: 'not started' } } };

export function createPlatformService(options: PlatformServiceOptions): PlatformService {
  const { config } = options;
  const logger = options.logger;
  // Every platform event goes to the exchange of the contract's send operations.
  const exchange = options.exchange ?? config.events.exchange ?? platformPublishedTopology.exchange;
  // Both listeners drain in parallel within half the shutdown budget; the rest is for relay, broker and DB.
  const drainTimeoutMs = Math.max(1, Math.floor(config.shutdownTimeout / 2));
  let running: Running | undefined;
  let starting: Promise<PlatformServiceAddresses> | undefined;
  let stopping: Promise<void> | undefined;

  async function start(): Promise<PlatformServiceAddresses> {
    const orm = await openDatabase(config.database, logger, config.nodeEnv);
    const outbox = createDatabaseOutbox({ orm });
    const transport = createEventTransport({ amqpUrl: config.events.amqpUrl, inProcess: options.inProcessBus, connectionName: config.events.connectionName, reconnect: { maxInterval: 5000 }, logger });
    const forwarder = createOutboxForwarder({
      transport,
      outbox,
      exchange,
      batchSize: config.events.outboxBatchSize,
      pollInterval: config.events.outboxPollInterval,
      logger,
    });
    const writer = createPlatformWriter({ outbox });
    const sync = config.commandsSync.enabled
      ? createCommandsSync({ baseUrl: config.commandsSync.baseUrl, timeout: config.commandsSync.timeout, logger })
      : undefined;
    const readiness = createServiceReadiness({ orm, forwarder });
    const report = (): Promise<ReadinessReport> => readiness.report();
    running = { orm, transport, forwarder, sync, rest: undefined, grpc: undefined, report, drain: () => readiness.drain() };
    if (config.seedData) await seedCatalogue({ outbox, writer, logger });
    forwarder.start();
    const rest = createRestServer({
      surface: platformServiceSurface,
      handlers: createPlatformRestHandlers({ orm, writer, onCreated: (platform, requestId) => void sync?.notify(platform, requestId) }),
      logger,
      validateResponses: config.validateResponses,
      requestValidation: config.nodeEnv === 'production' ? 'compiled' : 'reference',
      bodyLimit: config.restBodyLimit,
      readiness: report,
      drainTimeoutMs,
      authentication: config.auth ? createTokenVerifier(config.auth) : 'off',
    });
    running = { ...running, rest };
    const restAddress = await rest.listen(config.httpPort, config.host);
    const grpc = createGrpcServer({
      port: config.grpcPort,
      ...(config.host === undefined ? {} : { host: config.host }),
      logger,
      shutdownTimeoutMs: drainTimeoutMs,
      readMaxBytes: config.grpcReceiveLimit,
      routes: (router) => router.service(PlatformRpcService, createPlatformGrpcHandlers({ orm, logger })),
    });
    running = { ...running, grpc };
    const grpcAddress = await grpc.listen();
    const addresses = { restUrl: localUrl(restAddress), grpcUrl: grpcAddress.url };
    logger.info({ ...addresses, database: config.database.driver, events: transport.description, exchange, authentication: describeAuthentication(config.auth) }, 'platform-service started');
    return addresses;
  }

  async function stopRunning(): Promise<void> {
    const current = running;
    running = undefined;
    if (current === undefined) return;
    logger.info('platform-service stopping');
    const failures: unknown[] = [];
    const step = async (name: string, close: (() => Promise<void>) | undefined): Promise<void> => {
      try {
        await close?.();
      } catch (error) {
        failures.push(error);
        logger.error({ err: error, step: name }, 'platform-service stop step failed');
      }
    };
    current.drain();
    const { rest, grpc, sync, forwarder, transport, orm } = current;
    await Promise.all([step('rest', rest && (() => rest.close())), step('grpc', grpc && (() => grpc.close()))]);
    await step('commands-sync', sync && (() => sync.stop()));
    await step('outbox-relay', () => forwarder.stop());
    await step('events', () => transport.close());
    await step('database', () => orm.close());
    if (failures.length > 0) throw new AggregateError(failures, 'cannot stop platform-service cleanly');
    logger.info('platform-service stopped');
  }

  return {
    start() {
      if (starting !== undefined) return Promise.reject(new Error('cannot start platform-service: start() was already called'));
      starting = start().catch(async (error: unknown) => {
        // Release whatever had been opened before the failure.
        await stopRunning().catch(() => undefined);
        throw error;
      });
      return starting;
    },
    stop() {
      stopping ??= (async () => {
        await starting?.catch(() => undefined);
        await stopRunning();
      })();
      return stopping;
    },
    readiness: () => running?.report() ?? Promise.resolve(notStarted),
  };
}
