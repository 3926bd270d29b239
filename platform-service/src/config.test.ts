import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

function problemOf(env: Readonly<Record<string, string | undefined>>): string {
  try {
    loadConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected loadConfig to fail');
}

describe('loadConfig', () => {
  it('applies-the-documented-defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      httpPort: 5000,
      grpcPort: 5001,
      host: undefined,
      nodeEnv: 'development',
      validateResponses: true,
      logLevel: 'info',
      logFormat: 'json',
      database: { driver: 'sqlite', url: 'data/platform-service.sqlite' },
      seedData: true,
      events: { amqpUrl: undefined, exchange: undefined, outboxBatchSize: 100, outboxPollInterval: 1000, outboxLeaseTtl: 15_000 },
      commandsSync: { enabled: true, baseUrl: 'http://localhost:6000', timeout: 2000 },
      restBodyLimit: 65_536,
      grpcReceiveLimit: 4_194_304,
      shutdownTimeout: 10_000,
    });
  });

  it('reads-every-variable', () => {
    const config = loadConfig({
      HTTP_PORT: '0',
      GRPC_PORT: '7001',
      HOST: '127.0.0.1',
      NODE_ENV: 'test',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'pretty',
      DB_DRIVER: 'postgresql',
      DB_URL: 'postgresql://postgres@127.0.0.1:5432/platforms',
      SEED_DATA: 'false',
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      AMQP_EXCHANGE: 'test.events',
      OUTBOX_BATCH_SIZE: '10',
      OUTBOX_POLL_INTERVAL: '250ms',
      COMMANDS_SYNC_ENABLED: 'no',
      COMMANDS_SERVICE_URL: 'http://commands:6000',
      COMMANDS_SYNC_TIMEOUT: '500ms',
      REST_BODY_LIMIT: '1mb',
      GRPC_RECEIVE_LIMIT: '16mb',
      SHUTDOWN_TIMEOUT: '30s',
      AUTH_JWKS_URL: 'http://keycloak:8080/realms/platform/protocol/openid-connect/certs',
      AUTH_ISSUER: 'http://keycloak:8080/realms/platform',
      AUTH_AUDIENCE: 'platform-api',
      AUTH_JWKS_COOLDOWN: '5s',
    });
    expect(config).toMatchObject({
      httpPort: 0,
      grpcPort: 7001,
      host: '127.0.0.1',
      logLevel: 'debug',
      logFormat: 'pretty',
      database: { driver: 'postgresql', url: 'postgresql://postgres@127.0.0.1:5432/platforms' },
      seedData: false,
      events: { amqpUrl: 'amqp://guest:guest@127.0.0.1:5672', exchange: 'test.events', outboxBatchSize: 10, outboxPollInterval: 250 },
      commandsSync: { enabled: false, baseUrl: 'http://commands:6000', timeout: 500 },
      restBodyLimit: 1_048_576,
      grpcReceiveLimit: 16_777_216,
      shutdownTimeout: 30_000,
      auth: {
        jwksUrl: 'http://keycloak:8080/realms/platform/protocol/openid-connect/certs',
        issuer: 'http://keycloak:8080/realms/platform',
        audience: 'platform-api',
        refetchCooldownMs: 5000,
      },
    });
  });

  it('turns-off-seeding-and-response-validation-in-production', () => {
    const production = { NODE_ENV: 'production', AUTH_JWKS_URL: 'https://login.example.com/jwks', AUTH_ISSUER: 'https://login.example.com/', AUTH_AUDIENCE: 'platform' };
    expect(loadConfig(production)).toMatchObject({ seedData: false, validateResponses: false });
    expect(loadConfig({ ...production, SEED_DATA: 'true' }).seedData).toBe(true);
  });

  it('reads-the-issuer-settings-all-three-or-none-and-requires-them-in-production', () => {
    expect(loadConfig({}).auth).toBeUndefined();
    expect(loadConfig({ AUTH_JWKS_URL: 'https://id.example/jwks', AUTH_ISSUER: 'https://id.example/', AUTH_AUDIENCE: 'platform' }).auth).toEqual({
      jwksUrl: 'https://id.example/jwks',
      issuer: 'https://id.example/',
      audience: 'platform',
      refetchCooldownMs: 30_000,
    });
    expect(() => loadConfig({ AUTH_ISSUER: 'https://id.example/' })).toThrow(/AUTH_JWKS_URL is required when any of AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE is set/);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow('AUTH_JWKS_URL is required when NODE_ENV is production');
  });

  it('accepts-an-in-memory-sqlite-database', () => {
    expect(loadConfig({ DB_URL: ':memory:' }).database).toEqual({ driver: 'sqlite', url: ':memory:' });
  });

  it.each([
    { env: { HTTP_PORT: 'abc' }, message: 'HTTP_PORT must be an integer between 0 and 65535 (got "abc")' },
    { env: { GRPC_PORT: '70000' }, message: 'GRPC_PORT must be an integer between 0 and 65535' },
    { env: { NODE_ENV: 'staging' }, message: 'NODE_ENV must be one of development, test, production' },
    { env: { LOG_FORMAT: 'xml' }, message: 'LOG_FORMAT must be one of json, pretty' },
    { env: { DB_DRIVER: 'oracle' }, message: 'DB_DRIVER must be one of sqlite, postgresql, mssql' },
    { env: { SEED_DATA: 'maybe' }, message: 'SEED_DATA must be true or false' },
    { env: { AMQP_URL: 'http://broker' }, message: 'AMQP_URL must be a URL with protocol amqp: or amqps:' },
    { env: { OUTBOX_BATCH_SIZE: '0' }, message: 'OUTBOX_BATCH_SIZE must be an integer between 1 and 1000' },
    { env: { OUTBOX_POLL_INTERVAL: 'soon' }, message: 'OUTBOX_POLL_INTERVAL must be a duration' },
    { env: { OUTBOX_LEASE_TTL: '5s', OUTBOX_POLL_INTERVAL: '1s' }, message: 'OUTBOX_LEASE_TTL must be at least 10 times OUTBOX_POLL_INTERVAL (10000ms)' },
    { env: { COMMANDS_SERVICE_URL: 'commands:6000' }, message: 'COMMANDS_SERVICE_URL must be a URL with protocol http: or https:' },
    { env: { COMMANDS_SYNC_TIMEOUT: '0' }, message: 'COMMANDS_SYNC_TIMEOUT must be at least 1ms' },
    { env: { REST_BODY_LIMIT: 'huge' }, message: 'REST_BODY_LIMIT must be a size such as 65536, 64kb or 1mb (got "huge")' },
    { env: { GRPC_RECEIVE_LIMIT: '0' }, message: 'GRPC_RECEIVE_LIMIT must be a size such as 65536, 64kb or 1mb (got "0")' },
    { env: { GRPC_RECEIVE_LIMIT: '4096mb' }, message: 'GRPC_RECEIVE_LIMIT must be at most 4294967295 bytes (4 GiB - 1)' },
    { env: { DB_DRIVER: 'postgresql' }, message: 'DB_URL is required when DB_DRIVER is postgresql' },
    { env: { DB_DRIVER: 'mssql', DB_URL: 'postgresql://x@h/db' }, message: 'DB_URL must be a URL with protocol mssql: or sqlserver: when DB_DRIVER is mssql' },
    { env: { DB_URL: 'postgresql://x@h/db' }, message: 'DB_URL must be a file path or :memory: when DB_DRIVER is sqlite' },
  ])('stops-the-start-naming-the-bad-variable: $message', ({ env, message }) => {
    const problem = problemOf(env);
    expect(problem).toMatch(/^cannot start: invalid configuration: /);
    expect(problem).toContain(message);
  });

  it('never-echoes-secrets-of-urls', () => {
    expect(problemOf({ AMQP_URL: 'amqp//guest:s3cret@broker' })).not.toContain('s3cret');
    expect(problemOf({ DB_DRIVER: 'postgresql', DB_URL: 'mysql://user:s3cret@host/db' })).not.toContain('s3cret');
  });
});
