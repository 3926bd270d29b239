/**
 * commands-service configuration: every setting read and validated once, at start-up, from
 * the environment. A bad value stops the start with a message naming the variable.
 */
import { type Env, duration, integer, nonEmptyString, optionalUrl, readConfig, url } from '@platform/runtime/config';
import { type DatabaseLocation, databaseLocation, databaseSettings } from '@platform/runtime/db';
import { authConfig, authSettings } from '@platform/runtime/auth';
import type { AuthConfig } from '@platform/runtime/auth';
import { serviceSettings } from '@platform/runtime/lifecycle';

/** Every variable commands-service reads. */
export const commandsServiceSettings = {
  /** REST listener port; 0 picks a free port (tests, the single-process launcher). */
  httpPort: integer('HTTP_PORT', 6000, { min: 0, max: 65_535 }),
  /** HOST, NODE_ENV, LOG_LEVEL, LOG_FORMAT, SHUTDOWN_TIMEOUT. */
  ...serviceSettings,
  /** DB_DRIVER, DB_URL (sqlite default `data/commands-service.sqlite`): read into `database`. */
  ...databaseSettings,
  /** platform-service's gRPC listener (h2c), for the start-up sync. */
  platformServiceGrpcUrl: url('PLATFORM_SERVICE_GRPC_URL', 'http://localhost:5001', { protocols: ['http:', 'https:'] }),
  /**
   * Platforms per streamed batch of the start-up sync (platform-service caps it at 5000): each is
   * one message and one transaction, so fewer, larger batches cost both services less CPU.
   */
  syncBatchSize: integer('SYNC_BATCH_SIZE', 5000, { min: 1, max: 5000 }),
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
  /** AUTH_JWKS_URL, AUTH_ISSUER, AUTH_AUDIENCE (all three or none), AUTH_JWKS_COOLDOWN: read into `auth`. */
  ...authSettings,
};

type Values = ReturnType<typeof readConfig<typeof commandsServiceSettings>>;

/** The typed, frozen configuration of commands-service. */
export type CommandsServiceConfig = Omit<Values, 'dbDriver' | 'dbUrl'> & {
  /** Where the database is (DB_DRIVER, DB_URL). */
  readonly database: DatabaseLocation;
  /** Who may write: the issuer's settings, or undefined for authentication off (refused in production). */
  readonly auth: AuthConfig | undefined;
};

/**
 * Reads the configuration from `env` (default: the process environment). Throws AppError
 * `invalid_config` naming every offending variable, e.g.
 * `cannot start: invalid configuration: HTTP_PORT must be an integer between 0 and 65535 (got "abc")`.
 */
export function loadConfig(env?: Env): CommandsServiceConfig {
  return readConfig(commandsServiceSettings, env, ({ dbDriver, dbUrl, ...values }, problem): CommandsServiceConfig => {
    const database = databaseLocation({ dbDriver, dbUrl }, 'commands-service', problem);
    if (values.syncMaxBackoff < values.syncInitialBackoff) problem('SYNC_MAX_BACKOFF', 'must not be shorter than SYNC_INITIAL_BACKOFF');
    if (values.eventRetryMaxDelay < values.eventRetryInitialDelay) problem('EVENT_RETRY_MAX_DELAY', 'must not be shorter than EVENT_RETRY_INITIAL_DELAY');
    if (values.syncAttemptTimeout === 0) problem('SYNC_ATTEMPT_TIMEOUT', 'must be longer than 0');
    return { ...values, database, auth: authConfig(values, values.nodeEnv, problem) };
  });
}

/** Every variable commands-service reads, for documentation and the launcher. */
export const configVariables: readonly string[] = Object.values(commandsServiceSettings).map((setting) => setting.variable);
