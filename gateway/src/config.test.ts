import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('gateway configuration', () => {
  it('defaults to the local development ports and upstreams', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      httpPort: 8080,
      serviceUrls: { 'platform-service': 'http://localhost:5000', 'commands-service': 'http://localhost:6000' },
      platformServiceGrpcUrl: 'http://localhost:5001',
      upstreamTimeout: 30_000,
      logLevel: 'info',
      logFormat: 'auto',
    });
    expect(config.contractsDir).toMatch(/contracts$/);
  });

  it('reads every setting from the environment', () => {
    const config = loadConfig({
      HTTP_PORT: '9090',
      PLATFORM_SERVICE_URL: 'http://platforms-clusterip-srv:80',
      PLATFORM_SERVICE_GRPC_URL: 'http://platforms-clusterip-srv:666',
      COMMANDS_SERVICE_URL: 'http://commands-clusterip-srv:80',
      UPSTREAM_TIMEOUT: '5s',
      LOG_FORMAT: 'json',
    });
    expect(config).toMatchObject({
      httpPort: 9090,
      serviceUrls: { 'platform-service': 'http://platforms-clusterip-srv:80', 'commands-service': 'http://commands-clusterip-srv:80' },
      platformServiceGrpcUrl: 'http://platforms-clusterip-srv:666',
      upstreamTimeout: 5000,
      logFormat: 'json',
    });
  });

  it('rejects invalid settings, naming each variable', () => {
    expect(() => loadConfig({ HTTP_PORT: 'eighty', PLATFORM_SERVICE_URL: 'amqp://x' })).toThrow(/HTTP_PORT must be .*PLATFORM_SERVICE_URL must be a URL with protocol http: or https:/);
    // The gRPC listener speaks cleartext HTTP/2 only.
    expect(() => loadConfig({ PLATFORM_SERVICE_GRPC_URL: 'https://platforms:5001' })).toThrow(/PLATFORM_SERVICE_GRPC_URL must be a URL with protocol http:/);
  });
});
