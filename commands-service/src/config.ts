/**
 * commands-service configuration: every setting read and validated once, at start-up, from
 * the environment. A bad value stops the start with a message naming the variable.
 */
import { type Config, type Env, duration, integer, nonEmptyString, oneOf, optionalString, optionalUrl, readConfig, url } from '@platform/runtime/config';
import { databaseDrivers } from '@platform/runtime/db';
import { authConfig, authSettings } from '@platform/runtime/auth';
import type { AuthConfig } from '@platform/runtime/auth';
import { AppError, errorCodes } from '@platform/runtime/errors';
import { logLevels } from '@platform/runtime/logging';

const schema = {
  /** REST listener port; 0 picks a free port (tests, the single-process launcher). */
  httpPort: integer('HTTP_PORT', 6000, { min: 0, max: 65_535 }),
  /** Interface to bind; unset binds every interface. */
  host: optionalString('HOST'),
  /** `production` turns response validation off; anything else keeps it on. */
  nodeEnv: oneOf('NODE_ENV', ['development', 'test', 'production'], 'development'),
  logLevel: oneOf('LOG_LEVEL', logLevels, 'info'),
  /** `json`: one JSON line per event (production); `pretty`: human-readable lines. */
  logFormat: oneOf('LOG_FORMAT', ['json', 'pretty'], 'json'),
  dbDriver: oneOf('DB_DRIVER', databaseDrivers, 'sqlite'),
  /** sqlite: a file path or `:memory:`; postgresql / mssql: a connection URL. */
  dbUrl: nonEmptyString('DB_URL', 'data/commands-service.sqlite'),
  /** platform-service's gRPC listener (h2c), for the start-up sync. */
  platformServiceGrpcUrl: url('PLATFORM_SERVICE_GRPC_URL', 'http://localhost:5001', { protocols: ['http:', 'https:'] }),
  /** Platforms per streamed batch of the start-up sync (platform-service caps it at 5000). */
  syncBatchSize: integer('SYNC_BATCH_SIZE', 500, { min: 1, max: 5000 }),
  /** Delay before the first retry of a failed start-up sync; doubles on each failure, with jitter. */
  syncInitialBackoff: duration('SYNC_INITIAL_BACKOFF', '500ms'),
  /** Longest delay between start-up sync attempts. */
  syncMaxBackoff: duration('SYNC_MAX_BACKOFF', '30s'),
  /** Longest one sync attempt (one streaming call) may take before it is cancelled and retried. */
  syncAttemptTimeout: duration('SYNC_ATTEMPT_TIMEOUT', '60s'),
  /** RabbitMQ. Unset: no event consumer runs (unless the launcher injects a subscriber) and /readyz says so. */
  amqpUrl: optionalUrl('AMQP_URL', { protocols: ['amqp:', 'amqps:'], secret: true }),
  /** Name of the broker connection (`connection_name`), shown by `rabbitmqctl list_connections`. */
  amqpConnectionName: nonEmptyString('AMQP_CONNECTION_NAME', 'commands-service'),
  /** How long start-up waits for RabbitMQ before it serves without it (events are consumed once it is up). */
  amqpStartupWait: duration('AMQP_STARTUP_WAIT', '5s'),
  /** Unacknowledged platform events per consumer; also bounds the events handled at once. */
  amqpPrefetch: integer('AMQP_PREFETCH', 10, { min: 1, max: 65_535 }),
  /** Retries of an event whose handling failed transiently, before it is dead-lettered. */
  eventMaxRetries: integer('EVENT_MAX_RETRIES', 3, { min: 0, max: 100 }),
  /** Delay before the first retry of an event; doubles on each retry, with jitter. */
  eventRetryInitialDelay: duration('EVENT_RETRY_INITIAL_DELAY', '200ms'),
  /** Longest delay between retries of an event. */
  eventRetryMaxDelay: duration('EVENT_RETRY_MAX_DELAY', '5s'),
  /** Time a graceful shutdown (SIGTERM, SIGINT) may take before the process exits with 1. */
  shutdownTimeout: duration('SHUTDOWN_TIMEOUT', '10s'),
  /** AUTH_JWKS_URL, AUTH_ISSUER, AUTH_AUDIENCE (all three or none), AUTH_JWKS_COOLDOWN: read into `auth`. */
  ...authSettings,
};

/** The typed, frozen configuration of commands-service. */
export type CommandsServiceConfig = Config<typeof schema> & {
  /** Who may write: the issuer's settings, or undefined for authentication off (refused in production). */
  readonly auth: AuthConfig | undefined;
};

/**
 * Reads the configuration from `env` (default: the process environment). Throws AppError
 * `invalid_config` naming every offending variable, e.g.
 * `cannot start: invalid configuration: HTTP_PORT must be an integer between 0 and 65535 (got "abc")`.
 */
export function loadConfig(env?: Env): CommandsServiceConfig {
  const config = readConfig(schema, env);
  const problems: { path: string; message: string }[] = [];
  if (config.dbDriver !== 'sqlite' && !URL.canParse(config.dbUrl)) {
    problems.push({ path: 'DB_URL', message: `DB_URL must be a connection URL when DB_DRIVER is ${config.dbDriver}` });
  }
  if (config.syncMaxBackoff < config.syncInitialBackoff) {
    problems.push({ path: 'SYNC_MAX_BACKOFF', message: 'SYNC_MAX_BACKOFF must not be shorter than SYNC_INITIAL_BACKOFF' });
  }
  if (config.eventRetryMaxDelay < config.eventRetryInitialDelay) {
    problems.push({ path: 'EVENT_RETRY_MAX_DELAY', message: 'EVENT_RETRY_MAX_DELAY must not be shorter than EVENT_RETRY_INITIAL_DELAY' });
  }
  if (config.syncAttemptTimeout === 0) problems.push({ path: 'SYNC_ATTEMPT_TIMEOUT', message: 'SYNC_ATTEMPT_TIMEOUT must be longer than 0' });
  if (config.shutdownTimeout === 0) problems.push({ path: 'SHUTDOWN_TIMEOUT', message: 'SHUTDOWN_TIMEOUT must be longer than 0' });
  const auth = authConfig(config, config.nodeEnv, (path, message) => problems.push({ path, message: `${path} ${message}` }));
  if (problems.length > 0) {
    throw new AppError(errorCodes.invalidConfig, `cannot start: invalid configuration: ${problems.map((p) => p.message).join('; ')}`, { details: problems });
  }
  return Object.freeze({ ...config, auth });
}

/** Every variable commands-service reads, for documentation and the launcher. */
export const configVariables: readonly string[] = Object.values(schema).map((setting) => setting.variable);
