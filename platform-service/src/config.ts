/**
 * platform-service configuration: read and validated once, at start-up, from the environment.
 * A bad value stops the start with an AppError `invalid_config` naming every offending variable.
 */
import {
  boolean,
  duration,
  integer,
  nonEmptyString,
  oneOf,
  optional,
  optionalString,
  optionalUrl,
  readConfig,
  size,
  url,
} from '@platform/runtime/config';
import type { Env, Setting } from '@platform/runtime/config';
import { authConfig, authSettings } from '@platform/runtime/auth';
import type { AuthConfig } from '@platform/runtime/auth';
import { databaseLocation, databaseSettings } from '@platform/runtime/db';
import type { DatabaseLocation } from '@platform/runtime/db';
import { logLevels } from '@platform/runtime/logging';
import type { LogLevel } from '@platform/runtime/logging';

/** Everything platform-service reads from its environment (see the README for each variable). */
export interface PlatformServiceConfig {
  /** HTTP_PORT, default 5000; 0 picks a free port. */
  readonly httpPort: number;
  /** GRPC_PORT, default 5001; 0 picks a free port. */
  readonly grpcPort: number;
  /** HOST: interface both listeners bind; default all interfaces. */
  readonly host: string | undefined;
  /** NODE_ENV: development (default), test or production. */
  readonly nodeEnv: 'development' | 'test' | 'production';
  /** Validate REST response bodies against the contract: on except in production. */
  readonly validateResponses: boolean;
  /** LOG_LEVEL, default info. */
  readonly logLevel: LogLevel;
  /** LOG_FORMAT: json (default) or pretty. */
  readonly logFormat: 'json' | 'pretty';
  readonly database: DatabaseConfig;
  /** SEED_DATA: seed an empty database with the development platforms; default true except in production. */
  readonly seedData: boolean;
  readonly events: EventsConfig;
  readonly commandsSync: CommandsSyncConfig;
  /** REST_BODY_LIMIT: largest JSON body in bytes (`65536`, `64kb`, `1mb`); default 64kb. */
  readonly restBodyLimit: number;
  /**
   * GRPC_RECEIVE_LIMIT: largest gRPC, gRPC-Web or Connect request message in bytes (`4mb`); a
   * larger one answers RESOURCE_EXHAUSTED unread. Default 4mb (4 MiB), at most 4 GiB - 1.
   */
  readonly grpcReceiveLimit: number;
  /** SHUTDOWN_TIMEOUT: time a graceful shutdown may take before the process exits 1; default 10s. */
  readonly shutdownTimeout: number;
  /**
   * AUTH_JWKS_URL, AUTH_ISSUER, AUTH_AUDIENCE (all three or none) and AUTH_JWKS_COOLDOWN: who may
   * write. Undefined: authentication off, writes open (refused at start-up in production).
   */
  readonly auth: AuthConfig | undefined;
}

/** DB_DRIVER and DB_URL (see runtime/db databaseSettings). */
export type DatabaseConfig = DatabaseLocation;

export interface EventsConfig {
  /** AMQP_URL: the broker. Unset: no broker, events wait in the outbox (unless a publisher is injected). */
  readonly amqpUrl: string | undefined;
  /** AMQP_EXCHANGE: exchange platform events go to; default from the AsyncAPI contract (`platform.events`). */
  readonly exchange: string | undefined;
  /** AMQP_CONNECTION_NAME: name of the broker connection, shown by `rabbitmqctl list_connections`; default `platform-service`. */
  readonly connectionName: string;
  /** OUTBOX_BATCH_SIZE: outbox records published per round, 1-1000; default 100. */
  readonly outboxBatchSize: number;
  /** OUTBOX_POLL_INTERVAL: how often an idle relay looks for records written elsewhere; default 1s. */
  readonly outboxPollInterval: number;
}

export interface CommandsSyncConfig {
  /** COMMANDS_SYNC_ENABLED: call commands-service after each create; default true. */
  readonly enabled: boolean;
  /** COMMANDS_SERVICE_URL: origin of commands-service; default http://localhost:6000. */
  readonly baseUrl: string;
  /** COMMANDS_SYNC_TIMEOUT: longest wait for its answer; default 2s. */
  readonly timeout: number;
}

/** The largest message connect-es can read. */
const maxGrpcReceiveLimit = 0xffffffff;

const listenPort = (variable: string, defaultValue: number): Setting<number> => integer(variable, defaultValue, { min: 0, max: 65_535 });

/** Every variable platform-service reads (see the README for each). */
export const platformServiceSettings = {
  httpPort: listenPort('HTTP_PORT', 5000),
  grpcPort: listenPort('GRPC_PORT', 5001),
  host: optionalString('HOST'),
  nodeEnv: oneOf('NODE_ENV', ['development', 'test', 'production'], 'development'),
  logLevel: oneOf('LOG_LEVEL', logLevels, 'info'),
  logFormat: oneOf('LOG_FORMAT', ['json', 'pretty'], 'json'),
  ...databaseSettings,
  seedData: optional(boolean('SEED_DATA')),
  amqpUrl: optionalUrl('AMQP_URL', { protocols: ['amqp:', 'amqps:'], secret: true }),
  exchange: optionalString('AMQP_EXCHANGE'),
  connectionName: nonEmptyString('AMQP_CONNECTION_NAME', 'platform-service'),
  outboxBatchSize: integer('OUTBOX_BATCH_SIZE', 100, { min: 1, max: 1000 }),
  outboxPollInterval: duration('OUTBOX_POLL_INTERVAL', '1s'),
  commandsSyncEnabled: boolean('COMMANDS_SYNC_ENABLED', true),
  commandsServiceUrl: url('COMMANDS_SERVICE_URL', 'http://localhost:6000', { protocols: ['http:', 'https:'] }),
  commandsSyncTimeout: duration('COMMANDS_SYNC_TIMEOUT', '2s'),
  restBodyLimit: size('REST_BODY_LIMIT', '64kb'),
  grpcReceiveLimit: size('GRPC_RECEIVE_LIMIT', '4mb'),
  shutdownTimeout: duration('SHUTDOWN_TIMEOUT', '10s'),
  ...authSettings,
};

/** Reads the configuration from `env` (process.env in main.ts, an object in tests). Throws AppError `invalid_config`. */
export function loadConfig(env?: Env): PlatformServiceConfig {
  return readConfig(platformServiceSettings, env, (raw, problem): PlatformServiceConfig => {
    const database = databaseLocation(raw, 'platform-service', problem);
    if (raw.outboxPollInterval < 1) problem('OUTBOX_POLL_INTERVAL', 'must be at least 1ms');
    if (raw.commandsSyncTimeout < 1) problem('COMMANDS_SYNC_TIMEOUT', 'must be at least 1ms');
    if (raw.shutdownTimeout < 1) problem('SHUTDOWN_TIMEOUT', 'must be at least 1ms');
    if (raw.grpcReceiveLimit > maxGrpcReceiveLimit) problem('GRPC_RECEIVE_LIMIT', `must be at most ${maxGrpcReceiveLimit} bytes (4 GiB - 1)`);
    return {
      httpPort: raw.httpPort,
      grpcPort: raw.grpcPort,
      host: raw.host,
      nodeEnv: raw.nodeEnv,
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
      auth: authConfig(raw, raw.nodeEnv, problem),
    };
  });
}
