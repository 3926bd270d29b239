/**
 * platform-service assembled: database (schema at start, optional seed), REST on HTTP_PORT,
 * Connect-gRPC on GRPC_PORT, platform events through the outbox and its forwarder, and the
 * commands-service inbound call. `main.ts` runs it alone; a launcher may run it in-process
 * with its in-process bus.
 */
import { PlatformService as PlatformRpcService } from '@platform/gen/proto/platforms/v1/platforms_pb.ts';
import { platformServiceSurface } from '@platform/gen/openapi/platform-service/server.ts';
import { platformPublishedTopology } from '@platform/gen/asyncapi/platform-events/index.ts';
import { databaseCheck, openDatabase, schemaSource } from '@platform/runtime/db';
import { createEventTransport, createOutboxForwarder } from '@platform/runtime/events';
import { createGrpcServer } from '@platform/runtime/grpc';
import { createService } from '@platform/runtime/lifecycle';
import type { Service } from '@platform/runtime/lifecycle';
import { localUrl } from '@platform/runtime/http';
import type { Logger } from '@platform/runtime/logging';
import type { InProcessBus } from '@platform/runtime/messaging';
import { createDatabaseOutbox } from '@platform/runtime/outbox';
import { createTokenVerifier, describeAuthentication } from '@platform/runtime/auth';
import { createRestServer } from '@platform/runtime/rest';
import { createCommandsSync } from './commands-sync.ts';
import type { PlatformServiceConfig } from './config.ts';
import { platformServiceDatabase } from './database.ts';
import { createPlatformGrpcHandlers } from './platforms/grpc-handlers.ts';
import { createPlatformRestHandlers } from './platforms/rest-handlers.ts';
import { seedCatalogue } from './platforms/seed.ts';
import { createPlatformWriter } from './platforms/write-platforms.ts';

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

/**
 * Starts the database (seeded when enabled), the event transport, the relay, both listeners. Stops
 * gracefully: not ready, listeners stop accepting and finish in-flight requests, pending
 * commands-service calls are cancelled, the relay finishes its current batch, then the broker
 * connection and the database close. /readyz: `database` decides; `bus` and `outbox` are reported.
 */
export type PlatformService = Service<PlatformServiceAddresses>;

/** platform-service's pieces, in start order; the runtime stops them in reverse (see runtime/lifecycle). */
export function createPlatformService(options: PlatformServiceOptions): PlatformService {
  const { config, logger } = options;
  // Every platform event goes to the exchange of the contract's send operations.
  const exchange = options.exchange ?? config.events.exchange ?? platformPublishedTopology.exchange;
  // Both listeners drain in parallel within half the shutdown budget; the rest is for relay, broker and DB.
  const drainTimeoutMs = Math.max(1, Math.floor(config.shutdownTimeout / 2));
  let events = '';

  return createService({
    name: 'platform-service',
    logger,
    describe: (addresses) => ({ ...addresses, database: config.database.driver, events, exchange, authentication: describeAuthentication(config.auth) }),
    async start({ start, readiness }): Promise<PlatformServiceAddresses> {
      const schema = schemaSource(config.nodeEnv);
      const orm = await start({ name: 'database', start: () => openDatabase({ ...config.database, ...platformServiceDatabase, schema, logger }), stop: (opened) => opened.close() });
      // Only the database decides readiness: the outbox keeps writes working while the broker is away.
      readiness.register('database', databaseCheck(orm));
      const outbox = createDatabaseOutbox({ orm, lease: { ttl: config.events.outboxLeaseTtl } });
      const transport = await start({
        name: 'events',
        start: () => createEventTransport({ amqpUrl: config.events.amqpUrl, inProcess: options.inProcessBus, connectionName: config.events.connectionName, reconnect: { maxInterval: 5000 }, logger }),
        stop: (opened) => opened.close(),
      });
      events = transport.description;
      const forwarder = createOutboxForwarder({ transport, outbox, exchange, batchSize: config.events.outboxBatchSize, pollInterval: config.events.outboxPollInterval, logger });
      readiness.register('bus', () => forwarder.busCheck());
      readiness.register('outbox', () => forwarder.outboxCheck());
      const writer = createPlatformWriter({ outbox });
      if (config.seedData) await start({ name: 'seed', start: () => seedCatalogue({ outbox, writer, logger }) });
      await start({ name: 'outbox-relay', start: () => forwarder.start(), stop: () => forwarder.stop() });
      const sync = config.commandsSync.enabled
        ? await start({
            name: 'commands-sync',
            start: () => createCommandsSync({ baseUrl: config.commandsSync.baseUrl, timeout: config.commandsSync.timeout, logger }),
            stop: (opened) => opened.stop(),
          })
        : undefined;
      const rest = createRestServer({
        surface: platformServiceSurface,
        handlers: createPlatformRestHandlers({ orm, writer, onCreated: (platform, requestId) => void sync?.notify(platform, requestId) }),
        logger,
        validateResponses: config.validateResponses,
        requestValidation: config.nodeEnv === 'production' ? 'compiled' : 'reference',
        bodyLimit: config.restBodyLimit,
        readiness: () => readiness.report(),
        drainTimeoutMs,
        authentication: config.auth ? createTokenVerifier(config.auth) : 'off',
      });
      const restAddress = await start({ name: 'rest', stopGroup: 'listeners', start: () => rest.listen(config.httpPort, config.host), stop: () => rest.close() });
      const grpc = createGrpcServer({
        port: config.grpcPort,
        ...(config.host === undefined ? {} : { host: config.host }),
        logger,
        shutdownTimeoutMs: drainTimeoutMs,
        readMaxBytes: config.grpcReceiveLimit,
        routes: (router) => router.service(PlatformRpcService, createPlatformGrpcHandlers({ orm, logger })),
      });
      const grpcAddress = await start({ name: 'grpc', stopGroup: 'listeners', start: () => grpc.listen(), stop: () => grpc.close() });
      return { restUrl: localUrl(restAddress), grpcUrl: grpcAddress.url };
    },
  });
}
