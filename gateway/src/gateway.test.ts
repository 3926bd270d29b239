import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { deadUrl, startGateway, startUpstream } from './test-upstream.ts';
import type { TestServer } from './test-upstream.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const track = <T extends TestServer>(server: T): T => {
  servers.push(server);
  return server;
};

/** An upstream that answers `{service, url}` for any path, and `/readyz` with the given status. */
const namedUpstream = (service: string, readyStatus = 200) =>
  startUpstream((req, res) => {
    res.writeHead(req.url === '/readyz' ? readyStatus : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(req.url === '/readyz' ? { status: readyStatus === 200 ? 'ok' : 'unavailable', checks: { database: { ok: readyStatus === 200 } } } : { service, url: req.url }));
  });

/** Sends a request line exactly as written (no client-side path normalisation); returns the status code. */
function rawGet(url: string, path: string): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`));
    let text = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1])));
    socket.on('error', reject);
  });
}

describe('gateway routing (the ingress rules)', () => {
  it('sends /api/platforms and everything below it to platform-service, /api/c/... to commands-service, paths unchanged', async () => {
    const platforms = track(await namedUpstream('platform-service'));
    const commands = track(await namedUpstream('commands-service'));
    const gateway = track(await startGateway({ serviceUrls: { 'platform-service': platforms.url, 'commands-service': commands.url } }));

    const get = async (path: string) => (await fetch(`${gateway.url}${path}`)).json();

    expect(await get('/api/platforms')).toEqual({ service: 'platform-service', url: '/api/platforms' });
    expect(await get('/api/platforms/7')).toEqual({ service: 'platform-service', url: '/api/platforms/7' });
    expect(await get('/api/c/platforms/7/commands/3')).toEqual({ service: 'commands-service', url: '/api/c/platforms/7/commands/3' });
  });

  it('forwards an absolute-form target (RFC 9112 3.2.2) by its path, as the origin form', async () => {
    const platforms = track(await namedUpstream('platform-service'));
    const gateway = track(await startGateway({ serviceUrls: { 'platform-service': platforms.url } }));

    expect(await rawGet(gateway.url, 'http://example.com/api/platforms/7?x=1')).toBe(200);
    expect(await rawGet(gateway.url, 'http://example.com/api/platformsX')).toBe(404);
  });

  it('answers a 404 problem for paths no rule matches, including look-alike prefixes', async () => {
    const platforms = track(await namedUpstream('platform-service'));
    const gateway = track(await startGateway({ serviceUrls: { 'platform-service': platforms.url } }));

    const paths = ['/api/platformsX', '/api/commands', '/nothing'];
    const answers = await Promise.all(paths.map(async (path) => {
      const answer = await fetch(`${gateway.url}${path}`);
      return { path, status: answer.status, type: answer.headers.get('content-type') };
    }));

    expect(answers).toEqual(paths.map((path) => ({ path, status: 404, type: 'application/problem+json; charset=utf-8' })));
  });
});

describe('gateway /healthz and /readyz', () => {
  it('is alive without its upstreams', async () => {
    const gateway = track(await startGateway({ serviceUrls: { 'platform-service': await deadUrl(), 'commands-service': await deadUrl() } }));
    const answer = await fetch(`${gateway.url}/healthz`);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ status: 'ok' });
  });

  it('is ready when both services are ready, showing their checks', async () => {
    const platforms = track(await namedUpstream('platform-service'));
    const commands = track(await namedUpstream('commands-service'));
    const gateway = track(await startGateway({ serviceUrls: { 'platform-service': platforms.url, 'commands-service': commands.url } }));

    const answer = await fetch(`${gateway.url}/readyz`);

    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({
      status: 'ok',
      checks: {
        'platform-service': { ok: true, checks: { database: { ok: true } } },
        'commands-service': { ok: true, checks: { database: { ok: true } } },
      },
    });
  });

  it('is not ready (503, with details) when one service is not ready and the other is down', async () => {
    const platforms = track(await namedUpstream('platform-service', 503));
    const gateway = track(await startGateway({ serviceUrls: { 'platform-service': platforms.url, 'commands-service': await deadUrl() } }));

    const answer = await fetch(`${gateway.url}/readyz`);

    expect(answer.status).toBe(503);
    expect(await answer.json()).toEqual({
      status: 'unavailable',
      checks: {
        'platform-service': { ok: false, detail: 'its /readyz answered 503', checks: { database: { ok: false } } },
        'commands-service': { ok: false, detail: 'its /readyz cannot be reached' },
      },
    });
  });

  it('is not ready when a service does not answer its /readyz in time', async () => {
    const silent = track(await startUpstream(() => {}));
    const commands = track(await namedUpstream('commands-service'));
    const gateway = track(await startGateway({ serviceUrls: { 'platform-service': silent.url, 'commands-service': commands.url }, readinessTimeout: 100 }));

    const answer = await fetch(`${gateway.url}/readyz`);

    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatchObject({ checks: { 'platform-service': { ok: false, detail: 'its /readyz did not answer within 100 ms' } } });
  });
});

describe('gateway /contracts', () => {
  it('lists and serves the OpenAPI, AsyncAPI and proto files as they are on disk', async () => {
    const gateway = track(await startGateway({}));

    const index = (await (await fetch(`${gateway.url}/contracts`)).json()) as { contracts: { path: string }[] };
    expect(index.contracts.map((c) => c.path)).toEqual(
      expect.arrayContaining(['openapi/platform-service.yaml', 'openapi/commands-service.yaml', 'asyncapi/platform-events.yaml', 'proto/platforms/v1/platforms.proto']),
    );
    const yaml = await fetch(`${gateway.url}/contracts/openapi/platform-service.yaml`);
    expect(yaml.headers.get('content-type')).toBe('application/yaml; charset=utf-8');
    expect(await yaml.text()).toMatch(/^openapi: 3\.1/);
    const proto = await fetch(`${gateway.url}/contracts/proto/platforms/v1/platforms.proto`);
    expect(proto.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await proto.text()).toContain('package platforms.v1;');
  });

  it('refuses directory traversal and files outside the published kinds', async () => {
    const gateway = track(await startGateway({}));

    const paths = [
      '/contracts/../package.json',
      '/contracts/openapi/../../package.json',
      '/contracts/%2e%2e/package.json',
      '/contracts/openapi/%2e%2e%2f%2e%2e%2fpackage.json',
      '/contracts/..%2fpackage.json',
      '/contracts/proto/../../../../etc/passwd',
      '/contracts//etc/passwd',
    ];
    const statuses = await Promise.all(paths.map(async (path) => ({ path, status: await rawGet(gateway.url, path) })));

    expect(statuses).toEqual(paths.map((path) => ({ path, status: 404 })));
  });
});

describe('gateway docs', () => {
  it('serves Swagger UI with both OpenAPI documents, offline', async () => {
    const gateway = track(await startGateway({}));

    const redirect = await fetch(`${gateway.url}/docs`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/docs/');
    const html = await (await fetch(`${gateway.url}/docs/`)).text();
    expect(html).toContain('./openapi/platform-service.json');
    expect(html).toContain('./openapi/commands-service.json');
    expect(html).toContain('"urls.primaryName":"Platform Service API"');
    expect(html).not.toMatch(/https?:\/\//);
    expect((await fetch(`${gateway.url}/docs/swagger-ui-bundle.js`)).status).toBe(200);
    expect((await fetch(`${gateway.url}/docs/index.html`)).status).toBe(404);
  });

  it('points "Try it out" at the gateway itself (servers rewritten to the same origin)', async () => {
    const gateway = track(await startGateway({}));

    for (const name of ['platform-service', 'commands-service']) {
      const document = (await (await fetch(`${gateway.url}/docs/openapi/${name}.json`)).json()) as { servers: { url: string }[]; paths: object };
      expect(document.servers.map((s) => s.url)).toEqual(['/']);
      expect(Object.keys(document.paths).length).toBeGreaterThan(0);
    }
  });

  it('gives Swagger UI the bearer scheme, so it shows Authorize and a lock on each write', async () => {
    const gateway = track(await startGateway({}));
    const document = (await (await fetch(`${gateway.url}/docs/openapi/platform-service.json`)).json()) as {
      security: unknown;
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<string, Record<string, { security?: unknown }>>;
    };
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(document.security).toEqual([{ bearerAuth: ['platforms:write'] }]);
    expect(document.paths['/api/platforms']?.post?.security).toBeUndefined();
    expect(document.paths['/api/platforms']?.get?.security).toEqual([]);
  });

  it('tells how to generate the AsyncAPI docs when they are missing', async () => {
    const gateway = track(await startGateway({ asyncapiHtmlDir: '/nonexistent/asyncapi-html' }));

    const answer = await fetch(`${gateway.url}/docs/events/`);

    expect(answer.status).toBe(404);
    expect(await answer.json()).toMatchObject({ detail: 'The AsyncAPI docs have not been generated; run `npm run generate`.' });
  });
});
