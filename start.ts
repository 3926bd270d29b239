/**
 * `npm start`: the whole platform in one process, for a laptop. platform-service, commands-service
 * and the gateway on the default ports, SQLite files under ./data and the in-process bus, or
 * RabbitMQ when AMQP_URL is set. Prints the URLs; logs human-readable lines on a terminal and JSON
 * otherwise; SIGINT (Ctrl-C) or SIGTERM stops everything in order and exits 0.
 *
 * This file only composes: it builds each part with the part's own public factory and config
 * loader, exactly as that part's main.ts does, giving each its own listener ports and database
 * file. In Kubernetes each part runs alone (`npm run start -w <part>`), configured by environment.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig as loadCommandsConfig, createCommandsService } from '@platform/commands-service';
import type { PlatformEventNames } from '@platform/commands-service';
import { loadConfig as loadGatewayConfig, createGateway, readApiRoutes } from '@platform/gateway';
import { loadConfig as loadPlatformConfig, createPlatformService } from '@platform/platform-service';
import { platformPublishedTopology } from '@platform/gen/asyncapi/platform-events/index.ts';
import { describeAuthentication } from '@platform/runtime/auth';
import { nonEmptyString, oneOf, optionalString, optionalUrl, port, readConfig } from '@platform/runtime/config';
import type { Config, Env } from '@platform/runtime/config';
import { createService, loggerOptions, runService } from '@platform/runtime/lifecycle';
import { createLogger, logLevels } from '@platform/runtime/logging';
import type { Logger } from '@platform/runtime/logging';
import { createInProcessBus } from '@platform/runtime/messaging';
import { metricsPath, telemetrySettings } from '@platform/runtime/observability';
import { addedServices } from './added-services.ts';

const root = fileURLToPath(new URL('.', import.meta.url));
/** Time the whole ordered stop may take before the process exits with 1. */
const shutdownBudgetMs = 30_000;

/**
 * What `npm start` reads; every other variable goes to the parts unchanged (NODE_ENV, HOST,
 * SEED_DATA, ..., and AUTH_JWKS_URL, AUTH_ISSUER, AUTH_AUDIENCE to both services).
 */
export const launcherSettings = {
  gatewayPort: port('GATEWAY_PORT', 8080),
  platformHttpPort: port('PLATFORM_SERVICE_HTTP_PORT', 5000),
  platformGrpcPort: port('PLATFORM_SERVICE_GRPC_PORT', 5001),
  commandsHttpPort: port('COMMANDS_SERVICE_HTTP_PORT', 6000),
  /** Folder of the SQLite files (created when missing); relative to the working directory. */
  dataDir: nonEmptyString('DATA_DIR', join(root, 'data')),
  /** RabbitMQ for the events; unset: the in-process bus (events live as long as the process). */
  amqpUrl: optionalUrl('AMQP_URL', { protocols: ['amqp:', 'amqps:'], secret: true }),
  /** Exchange of the platform events (default the contract's `platform.events`); DLX `<it>.dlx`. */
  amqpExchange: optionalString('AMQP_EXCHANGE'),
  /** commands-service's queue (default the contract's `commands-service.platform-events.v2`); DLQ `<it>.dlq`. */
  amqpQueue: optionalString('AMQP_QUEUE'),
  logLevel: oneOf('LOG_LEVEL', logLevels, 'info'),
  /** `auto`: human-readable on a terminal, JSON otherwise. */
  logFormat: oneOf('LOG_FORMAT', ['auto', 'json', 'pretty'], 'auto'),
};
export type LauncherConfig = Config<typeof launcherSettings>;

const loopbackUrl = (listenerPort: number): string => `http://127.0.0.1:${listenerPort}`;
const localhostUrl = (listenerPort: number): string => `http://localhost:${listenerPort}`;

/**
 * The services added with `npm run new:service`, each with its listener port: `<SERVICE>_HTTP_PORT`,
 * by default the port of its contract's own server; and the gateway's setting for its URL.
 */
export function addedServicePorts(env: Env): { name: string; variable: string; listenPort: number; portVariable: string }[] {
  const routes = readApiRoutes(join(root, 'contracts'));
  const added = addedServices.map(({ name }) => {
    const route = routes.find((candidate) => candidate.service === name);
    if (route === undefined) throw new Error(`cannot start ${name}: contracts/openapi/${name}.yaml is missing`);
    return { name, variable: route.variable, portVariable: route.variable.replace(/_URL$/, '_HTTP_PORT'), defaultPort: Number(new URL(route.localUrl).port) };
  });
  const ports = readConfig(Object.fromEntries(added.map((service) => [service.name, port(service.portVariable, service.defaultPort)])), env) as Record<string, number>;
  return added.map(({ name, variable, portVariable }) => ({ name, variable, portVariable, listenPort: ports[name] ?? 0 }));
}

/**
 * The environment each part is configured from: the launcher's own, with the listener ports,
 * database files, log format and peer URLs of this one-process layout put in.
 */
export function partEnvironments(
  env: Env,
  settings: LauncherConfig,
  pretty: boolean,
  added: ReturnType<typeof addedServicePorts>,
): { platform: Env; commands: Env; gateway: Env; added: Record<string, Env> } {
  const dataDir = resolve(settings.dataDir);
  const common = { ...env, LOG_LEVEL: settings.logLevel, LOG_FORMAT: pretty ? 'pretty' : 'json' };
  return {
    added: Object.fromEntries(added.map(({ name, listenPort }) => [name, { ...common, HTTP_PORT: String(listenPort), DB_DRIVER: 'sqlite', DB_URL: join(dataDir, `${name}.sqlite`) }])),
    platform: {
      ...common,
      HTTP_PORT: String(settings.platformHttpPort),
      GRPC_PORT: String(settings.platformGrpcPort),
      DB_DRIVER: 'sqlite',
      DB_URL: join(dataDir, 'platform-service.sqlite'),
      COMMANDS_SERVICE_URL: loopbackUrl(settings.commandsHttpPort),
    },
    commands: {
      ...common,
      HTTP_PORT: String(settings.commandsHttpPort),
      DB_DRIVER: 'sqlite',
      DB_URL: join(dataDir, 'commands-service.sqlite'),
      PLATFORM_SERVICE_GRPC_URL: loopbackUrl(settings.platformGrpcPort),
    },
    gateway: {
      ...common,
      HTTP_PORT: String(settings.gatewayPort),
      PLATFORM_SERVICE_URL: loopbackUrl(settings.platformHttpPort),
      PLATFORM_SERVICE_GRPC_URL: loopbackUrl(settings.platformGrpcPort),
      COMMANDS_SERVICE_URL: loopbackUrl(settings.commandsHttpPort),
      ...Object.fromEntries(added.map(({ variable, listenPort }) => [variable, loopbackUrl(listenPort)])),
    },
  };
}

/** Broker names for commands-service when the exchange or queue is overridden (e.g. tests sharing a broker). */
function eventNames(settings: LauncherConfig): Partial<PlatformEventNames> {
  return {
    ...(settings.amqpExchange ? { exchange: settings.amqpExchange, deadLetterExchange: `${settings.amqpExchange}.dlx` } : {}),
    ...(settings.amqpQueue ? { queue: settings.amqpQueue, deadLetterQueue: `${settings.amqpQueue}.dlq` } : {}),
  };
}

function banner(urls: { gateway: string; grpc: string; events: string; metrics: string; traces: string; dataDir: string; authentication: string }): string {
  const grpcPort = new URL(urls.grpc).port;
  return `
  The platform is running.

    Gateway         ${urls.gateway}
    Swagger UI      ${urls.gateway}/docs/
    AsyncAPI docs   ${urls.gateway}/docs/events/
    Contracts       ${urls.gateway}/contracts
    gRPC (h2c)      http://localhost:${grpcPort}
                    npx buf curl --http2-prior-knowledge --protocol grpc http://localhost:${grpcPort}/platforms.v1.PlatformService/GetAllPlatforms
    RPC (browsers)  ${urls.gateway}/platforms.v1.PlatformService/... (Connect, gRPC-Web)
    Events          ${urls.events}
    Metrics         ${urls.metrics}
    Traces          ${urls.traces}
    Data            ${urls.dataDir}
    Writes          ${urls.authentication}

  Press Ctrl-C to stop.
`;
}

/** Every part's configuration, read from the launcher's environment: one bad variable stops the start. */
export function loadLauncherConfig(env: Env) {
  const settings = readConfig(launcherSettings, env);
  const telemetry = readConfig(telemetrySettings, env);
  const pretty = loggerOptions(settings).pretty === true;
  // Reads every contract once: the added services' ports serve both their environments and the launcher's port check.
  const addedPorts = addedServicePorts(env);
  const envs = partEnvironments(env, settings, pretty, addedPorts);
  return {
    settings,
    telemetry,
    pretty,
    platform: loadPlatformConfig(envs.platform),
    commands: loadCommandsConfig(envs.commands),
    added: addedServices.map(({ name, load }) => ({ name, build: load(envs.added[name] ?? {}) })),
    addedPorts: Object.fromEntries(addedPorts.map(({ portVariable, listenPort }) => [portVariable, listenPort])),
    gateway: loadGatewayConfig(envs.gateway),
  };
}
type LauncherParts = ReturnType<typeof loadLauncherConfig>;

/** The three parts and their bus as the pieces of one service: started in order, stopped in reverse (the front door first, the bus last). */
function createPlatform(configs: LauncherParts, logger: Logger) {
  const { settings, pretty } = configs;
  const loggerOf = (name: string) => createLogger({ name, level: settings.logLevel, pretty });
  const dataDir = resolve(settings.dataDir);
  return createService({
    name: 'the platform',
    logger,
    describe: () => ({}),
    async start({ start }) {
      await start({ name: 'data-dir', start: () => void mkdirSync(dataDir, { recursive: true }) });
      const bus = settings.amqpUrl ? undefined : await start({ name: 'in-process bus', start: () => createInProcessBus({ logger: loggerOf('in-process-bus') }), stop: (opened) => opened.close() });
      const inProcess = bus ? { inProcessBus: bus } : {};
      const platformService = createPlatformService({ config: configs.platform, logger: loggerOf('platform-service'), ...inProcess });
      const { grpcUrl } = await start({ name: 'platform-service', start: () => platformService.start(), stop: () => platformService.stop() });
      const commandsService = createCommandsService({ config: configs.commands, logger: loggerOf('commands-service'), eventNames: eventNames(settings), ...inProcess });
      await start({ name: 'commands-service', start: () => commandsService.start(), stop: () => commandsService.stop() });
      for (const { name, build } of configs.added) {
        const service = build(loggerOf(name));
        await start({ name, start: () => service.start(), stop: () => service.stop() });
      }
      const gateway = createGateway({ config: configs.gateway, logger: loggerOf('gateway') });
      const { url } = await start({ name: 'gateway', start: () => gateway.start(), stop: () => gateway.stop() });
      return {
        gateway: url,
        grpc: grpcUrl,
        events: settings.amqpUrl
          ? `RabbitMQ at ${new URL(settings.amqpUrl).host}, exchange ${settings.amqpExchange ?? platformPublishedTopology.exchange}`
          : 'in-process bus, events live as long as the process (set AMQP_URL to use RabbitMQ)',
        metrics: `${url}${metricsPath} (gateway), ${localhostUrl(settings.platformHttpPort)}${metricsPath}, ${localhostUrl(settings.commandsHttpPort)}${metricsPath}`,
        traces: configs.telemetry.otlpEndpoint === undefined
          ? 'off (set OTEL_EXPORTER_OTLP_ENDPOINT, e.g. http://localhost:4318, to export them over OTLP)'
          : `exported over OTLP to ${configs.telemetry.otlpEndpoint}`,
        dataDir,
        authentication: describeAuthentication(configs.platform.auth),
      };
    },
  });
}

if (import.meta.main) {
  await runService({
    name: 'platform',
    part: 'the platform',
    loadConfig: loadLauncherConfig,
    logging: ({ settings, pretty }) => ({ level: settings.logLevel, pretty }),
    shutdownTimeout: () => shutdownBudgetMs,
    ports: ({ settings, addedPorts }) => ({
      GATEWAY_PORT: settings.gatewayPort,
      PLATFORM_SERVICE_HTTP_PORT: settings.platformHttpPort,
      PLATFORM_SERVICE_GRPC_PORT: settings.platformGrpcPort,
      COMMANDS_SERVICE_HTTP_PORT: settings.commandsHttpPort,
      ...addedPorts,
    }),
    create: createPlatform,
    started(urls, logger, { pretty }) {
      if (pretty) process.stdout.write(banner(urls));
      else logger.info({ ...urls, docs: `${urls.gateway}/docs/`, asyncapiDocs: `${urls.gateway}/docs/events/` }, 'platform ready');
    },
  });
}
