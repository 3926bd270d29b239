/** Small real HTTP servers standing in for the services in the gateway's tests. */
import { createServer } from 'node:http';
import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@platform/runtime/logging';
import { readApiRoutes } from './api-routes.ts';
import { createGateway } from './gateway.ts';
import type { GatewayOptions } from './gateway.ts';

export interface TestServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts an HTTP server on a free port of 127.0.0.1. */
export async function startUpstream(listener: RequestListener): Promise<TestServer> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A URL on which nothing listens (a port just released). */
export async function deadUrl(): Promise<string> {
  const server = await startUpstream(() => {});
  await server.close();
  return server.url;
}

const contractsDir = new URL('../../contracts', import.meta.url).pathname;

/**
 * Starts a gateway on a free port in front of the given upstreams (by service; every other service
 * of the contracts gets a port nothing listens on), with a silent logger unless given one.
 */
export async function startGateway(overrides: Partial<GatewayOptions['config']>, logger = createLogger({ name: 'gateway-test', level: 'silent' })): Promise<TestServer> {
  const unreachable = Object.fromEntries(readApiRoutes(overrides.contractsDir ?? contractsDir).map((route) => [route.service, 'http://127.0.0.1:9']));
  const gateway = createGateway({
    logger,
    config: {
      httpPort: 0,
      platformServiceGrpcUrl: 'http://127.0.0.1:9',
      upstreamTimeout: 5000,
      readinessTimeout: 1000,
      drainTimeout: 1000,
      contractsDir,
      asyncapiHtmlDir: new URL('../../gen/asyncapi/html', import.meta.url).pathname,
      ...overrides,
      serviceUrls: { ...unreachable, ...overrides.serviceUrls },
    },
  });
  const { url } = await gateway.start();
  return { url, close: () => gateway.stop() };
}
