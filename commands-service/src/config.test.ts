import { describe, expect, it } from 'vitest';
import { configVariables, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('applies-the-documented-defaults', () => {
    expect(loadConfig({})).toEqual({
      httpPort: 6000,
      host: undefined,
      nodeEnv: 'development',
      logLevel: 'info',
      logFormat: 'json',
      database: { driver: 'sqlite', url: 'data/commands-service.sqlite' },
      platformServiceGrpcUrl: 'http://localhost:5001',
      syncBatchSize: 5000,
      syncInitialBackoff: 500,
      syncMaxBackoff: 30_000,
      syncAttemptTimeout: 60_000,
      amqpUrl: undefined,
      amqpConnectionName: 'commands-service',
      amqpStartupWait: 5_000,
      amqpPrefetch: 10,
      eventMaxRetries: 3,
      eventRetryInitialDelay: 200,
      eventRetryMaxDelay: 5_000,
      shutdownTimeout: 10_000,
      authJwksUrl: undefined,
      authIssuer: undefined,
      authAudience: undefined,
      authJwksCooldown: 30_000,
      auth: undefined,
    });
  });

  it('reads-every-variable', () => {
    const config = loadConfig({
      HTTP_PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'pretty',
      DB_DRIVER: 'postgresql',
      DB_URL: 'postgresql://postgres@127.0.0.1:5432/commands',
      PLATFORM_SERVICE_GRPC_URL: 'http://platform-service:5001',
      SYNC_BATCH_SIZE: '100',
      SYNC_INITIAL_BACKOFF: '1s',
      SYNC_MAX_BACKOFF: '1m',
      SYNC_ATTEMPT_TIMEOUT: '10s',
      AMQP_URL: 'amqp://guest:guest@rabbitmq:5672',
      AMQP_CONNECTION_NAME: 'commands-service-1',
      AMQP_STARTUP_WAIT: '0',
      AMQP_PREFETCH: '20',
      EVENT_MAX_RETRIES: '5',
      EVENT_RETRY_INITIAL_DELAY: '100ms',
      EVENT_RETRY_MAX_DELAY: '2s',
      SHUTDOWN_TIMEOUT: '20s',
      AUTH_JWKS_URL: 'https://login.example.com/.well-known/jwks.json',
      AUTH_ISSUER: 'https://login.example.com/',
      AUTH_AUDIENCE: 'contract-first-platform',
      AUTH_JWKS_COOLDOWN: '1m',
    });
    expect(config).toMatchObject({
      httpPort: 0,
      host: '127.0.0.1',
      nodeEnv: 'production',
      database: { driver: 'postgresql', url: 'postgresql://postgres@127.0.0.1:5432/commands' },
      syncMaxBackoff: 60_000,
      amqpUrl: 'amqp://guest:guest@rabbitmq:5672',
      amqpPrefetch: 20,
      eventMaxRetries: 5,
      shutdownTimeout: 20_000,
      auth: { jwksUrl: 'https://login.example.com/.well-known/jwks.json', issuer: 'https://login.example.com/', audience: 'contract-first-platform', refetchCooldownMs: 60_000 },
    });
    // `auth` is built from the four AUTH_* variables, `database` from DB_DRIVER and DB_URL; every other key is one variable.
    expect(configVariables).toHaveLength(Object.keys(config).filter((key) => key !== 'auth' && key !== 'database').length + 2);
  });

  it('stops-the-start-naming-the-offending-variable', () => {
    expect(() => loadConfig({ HTTP_PORT: 'abc' })).toThrow('cannot start: invalid configuration: HTTP_PORT must be an integer between 0 and 65535 (got "abc")');
    expect(() => loadConfig({ DB_DRIVER: 'oracle' })).toThrow(/DB_DRIVER must be one of sqlite, postgresql, mssql/);
    expect(() => loadConfig({ AMQP_PREFETCH: '0' })).toThrow(/AMQP_PREFETCH must be an integer between 1 and 65535/);
    expect(() => loadConfig({ PLATFORM_SERVICE_GRPC_URL: 'amqp://x' })).toThrow(/PLATFORM_SERVICE_GRPC_URL must be a URL with protocol http: or https:/);
  });

  it('hides-the-broker-url-in-its-complaint', () => {
    expect(() => loadConfig({ AMQP_URL: 'http://user:s3cret@rabbitmq' })).toThrow(/^cannot start: invalid configuration: AMQP_URL must be a URL with protocol amqp: or amqps:$/);
  });

  it('checks-settings-that-depend-on-each-other', () => {
    expect(() => loadConfig({ DB_DRIVER: 'postgresql' })).toThrow('cannot start: invalid configuration: DB_URL is required when DB_DRIVER is postgresql');
    expect(() => loadConfig({ SYNC_INITIAL_BACKOFF: '10s', SYNC_MAX_BACKOFF: '1s' })).toThrow(/SYNC_MAX_BACKOFF must not be shorter than SYNC_INITIAL_BACKOFF/);
    expect(() => loadConfig({ EVENT_RETRY_INITIAL_DELAY: '10s' })).toThrow(/EVENT_RETRY_MAX_DELAY must not be shorter/);
    expect(() => loadConfig({ SHUTDOWN_TIMEOUT: '0' })).toThrow(/SHUTDOWN_TIMEOUT must be at least 1ms/);
  });
});
