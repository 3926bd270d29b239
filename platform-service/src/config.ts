/**
 * platform-service configuration: read and validated once, at start-up, from the environment.
 * A bad value stops the start with an AppError `invalid_config` naming every offending variable.
 */
import { boolean, duration, integer, nonEmptyString, optional, optionalString, optionalUrl, readConfig, size, url } from '@platform/runtime/config';
import type { Config, ConfigProblem, Env, Setting } from '@platform/runtime/config';
import { authConfig, authSettings } from '@platform/runtime/auth';
import { databaseLocation, databaseSettings } from '@platform/runtime/db';
import { serviceSettings } from '@platform/runtime/lifecycle';

/** The largest message connect-es can read. */
const maxGrpcReceiveLimit = 0xffffffff;

const listenPort = (variable: string, defaultValue: number): Setting<number> => integer(variable, defaultValue, { min: 0, max: 65_535 });

/** Every variable platform-service reads (see the README for each). */
export const platformServiceSettings = {
  /** 0 picks a free port. */
  httpPort: listenPort('HTTP_PORT', 5000),
  grpcPort: listenPort('GRPC_PORT', 5001),
  /** HOST, NODE_ENV (`production` also turns seeding off), LOG_LEVEL, LOG_FORMAT, SHUTDOWN_TIMEOUT. */
  ...serviceSettings,
  /** DB_DRIVER, DB_URL (sqlite default `data/platform-service.sqlite`): read into `database`. */
  ...databaseSettings,
  /** Seed an empty database with the development platforms; default true except in production. */
  seedData: optional(boolean('SEED_DATA')),
  /** The broker. Unset: no broker, events wait in the outbox (unless a launcher injects its bus). */
  amqpUrl: optionalUrl('AMQP_URL', { protocols: ['amqp:', 'amqps:'], secret: true }),
  /** Exchange platform events go to; default from the AsyncAPI contract (`platform.events`). */
  exchange: optionalString('AMQP_EXCHANGE'),
  /** Name of the broker connection, shown by `rabbitmqctl list_connections`. */
  connectionName: nonEmptyString('AMQP_CONNECTION_NAME', 'platform-service'),
  /** Outbox records published per round. */
  outboxBatchSize: integer('OUTBOX_BATCH_SIZE', 100, { min: 1, max: 1000 }),
  /** How often an idle relay looks for records written elsewhere. */
  outboxPollInterval: duration('OUTBOX_POLL_INTERVAL', '1s'),
  /** Call commands-service after each create. */
  commandsSyncEnabled: boolean('COMMANDS_SYNC_ENABLED', true),
  commandsServiceUrl: url('COMMANDS_SERVICE_URL', 'http://localhost:6000', { protocols: ['http:', 'https:'] }),
  /** Longest wait for commands-service's answer. */
  commandsSyncTimeout: duration('COMMANDS_SYNC_TIMEOUT', '2s'),
  /** Largest JSON body in bytes (`65536`, `64kb`, `1mb`). */
  restBodyLimit: size('REST_BODY_LIMIT', '64kb'),
  /** Largest gRPC, gRPC-Web or Connect request message; a larger one answers RESOURCE_EXHAUSTED unread. At most 4 GiB - 1. */
  grpcReceiveLimit: size('GRPC_RECEIVE_LIMIT', '4mb'),
  /** AUTH_JWKS_URL, AUTH_ISSUER, AUTH_AUDIENCE (all three or none), AUTH_JWKS_COOLDOWN: read into `auth`. */
  ...authSettings,
};

/** Checks the settings together and groups them as the service uses them. */
function refine(raw: Config<typeof platformServiceSettings>, problem: ConfigProblem) {
  const database = databaseLocation(raw, 'platform-service', problem);
  if (raw.outboxPollInterval < 1) problem('OUTBOX_POLL_INTERVAL', 'must be at least 1ms');
  if (raw.commandsSyncTimeout < 1) problem('COMMANDS_SYNC_TIMEOUT', 'must be at least 1ms');
  if (raw.grpcReceiveLimit > maxGrpcReceiveLimit) problem('GRPC_RECEIVE_LIMIT', `must be at most ${maxGrpcReceiveLimit} bytes (4 GiB - 1)`);
  return {
    httpPort: raw.httpPort,
    grpcPort: raw.grpcPort,
    host: raw.host,
    nodeEnv: raw.nodeEnv,
    /** Validate REST response bodies against the contract: on except in production. */
    validateResponses: raw.nodeEnv !== 'production',
    logLevel: raw.logLevel,
    logFormat: raw.logFormat,
    database,
    seedData: raw.seedData ?? raw.nodeEnv !== 'production',
    events: Object.freeze({
      amqpUrl: raw.amqpUrl,
      exchange: raw.exchange,
      connectionName: raw.connectionName,
      outboxBatchSize: raw.outboxBatchSize,
      outboxPollInterval: raw.outboxPollInterval,
    }),
    commandsSync: Object.freeze({ enabled: raw.commandsSyncEnabled, baseUrl: raw.commandsServiceUrl, timeout: raw.commandsSyncTimeout }),
    restBodyLimit: raw.restBodyLimit,
    grpcReceiveLimit: raw.grpcReceiveLimit,
    shutdownTimeout: raw.shutdownTimeout,
    /** Who may write; undefined: authentication off, writes open (refused at start-up in production). */
    auth: authConfig(raw, raw.nodeEnv, problem),
  };
}

/** The typed, frozen configuration of platform-service. */
export type PlatformServiceConfig = Readonly<ReturnType<typeof refine>>;

/** Reads the configuration from `env` (default: the process environment). Throws AppError `invalid_config`. */
export function loadConfig(env?: Env): PlatformServiceConfig {
  return readConfig(platformServiceSettings, env, refine);
}
