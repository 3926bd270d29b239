import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { apiRoute, readApiRoutes, routePrefixes } from './api-routes.ts';
import { startGateway, startUpstream } from './test-upstream.ts';
import type { TestServer } from './test-upstream.ts';

const contractsDir = new URL('../../contracts', import.meta.url).pathname;
const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const contractText = (port: number, path: string) => `servers: [{ url: 'http://localhost:8080' }, { url: 'http://localhost:${port}' }]\npaths: { '${path}': {} }\n`;

describe('routes from the contracts', () => {
  it('routes each path by its part before the first templated segment, the shortest covering prefix only', () => {
    expect(routePrefixes(['/api/platforms', '/api/platforms/{id}'])).toEqual(['/api/platforms']);
    expect(routePrefixes(['/api/c/platforms', '/api/c/platforms/{platformId}/commands'])).toEqual(['/api/c/platforms']);
    expect(routePrefixes(['/api/widgets/{id}', '/api/gadgets', '/api/gadgets/x'])).toEqual(['/api/gadgets', '/api/widgets']);
  });

  it('names each service by its contract file, with its own server as the local default and <SERVICE>_URL as the setting', () => {
    expect(readApiRoutes(contractsDir)).toEqual([
      { service: 'commands-service', prefixes: ['/api/c/platforms'], localUrl: 'http://localhost:6000', variable: 'COMMANDS_SERVICE_URL' },
      { service: 'platform-service', prefixes: ['/api/platforms'], localUrl: 'http://localhost:5000', variable: 'PLATFORM_SERVICE_URL' },
    ]);
  });

  it('refuses a contract without its own server, or with a path at the root', () => {
    expect(() => apiRoute('x', { servers: [{ url: 'http://localhost:8080' }], paths: { '/api/x': {} } })).toThrow(/cannot route x: .*exactly one server besides the gateway/);
    expect(() => apiRoute('x', { servers: [{ url: 'http://localhost:7000' }], paths: { '/{id}': {} } })).toThrow(/cannot route x: its paths must start with a fixed segment/);
  });

  it('refuses two contracts whose prefixes overlap', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'routes-'));
    try {
      await mkdir(join(dir, 'openapi'));
      await writeFile(join(dir, 'openapi', 'a-service.yaml'), contractText(7000, '/api/things'));
      await writeFile(join(dir, 'openapi', 'b-service.yaml'), contractText(7001, '/api/things/{id}/parts'));
      expect(() => readApiRoutes(dir)).toThrow(/cannot route the APIs: a-service's \/api\/things overlaps b-service's \/api\/things/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('sends every path of every contract, and nothing else, to the service whose contract declares it', async () => {
    const routes = readApiRoutes(contractsDir);
    const upstreams = await Promise.all(
      routes.map(async ({ service }) => {
        const upstream = await startUpstream((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ service, url: req.url })));
        servers.push(upstream);
        return [service, upstream.url] as const;
      }),
    );
    const gateway = await startGateway({ serviceUrls: Object.fromEntries(upstreams) });
    servers.push(gateway);
    const wrong: string[] = [];
    for (const { service } of routes) {
      const document = parse(await readFile(join(contractsDir, 'openapi', `${service}.yaml`), 'utf8')) as { paths: Record<string, unknown> };
      for (const path of Object.keys(document.paths)) {
        const url = path.replace(/\{[^}]+\}/g, '1');
        const answer = await fetch(`${gateway.url}${url}`);
        const body = answer.status === 200 ? ((await answer.json()) as { service: string }) : undefined;
        if (body?.service !== service) wrong.push(`${url}: ${body?.service ?? answer.status}, not ${service}`);
      }
    }
    expect(wrong).toEqual([]);
    expect((await fetch(`${gateway.url}/api/unknown`)).status).toBe(404);
  });
});
