import { send } from '@platform/runtime/http/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { startGateway, startUpstream } from './test-upstream.ts';
import type { TestServer } from './test-upstream.ts';

const app = 'https://app.example.com';

describe('CORS at the gateway', () => {
  let upstream: TestServer;
  let withCors: TestServer;
  let withoutCors: TestServer;
  const seen: string[] = [];

  beforeAll(async () => {
    // Stands in for a service: OPTIONS is 204 with Allow (the contracts' convention), GET is 200.
    upstream = await startUpstream((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.method === 'OPTIONS') res.writeHead(204, { allow: 'GET, HEAD, POST, OPTIONS' }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    });
    withCors = await startGateway({ serviceUrls: { 'platform-service': upstream.url }, corsOrigins: [app, 'http://localhost:3000'] });
    withoutCors = await startGateway({ serviceUrls: { 'platform-service': upstream.url } });
  });
  afterAll(async () => {
    await withCors?.close();
    await withoutCors?.close();
    await upstream?.close();
  });

  it('lets-an-allowed-origin-read-the-answer-and-its-headers', async () => {
    const answer = await send(withCors.url, { path: '/api/platforms', headers: { origin: app } });
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBe(app);
    expect(answer.headers['access-control-expose-headers']).toBe('Location, ETag, X-Request-Id, Allow, Accept-Encoding, WWW-Authenticate, Grpc-Status, Grpc-Message, Grpc-Status-Details-Bin');
    expect(answer.headers.vary).toBe('Origin');
  });

  it('adds-nothing-but-vary-for-an-origin-not-listed', async () => {
    const answer = await send(withCors.url, { path: '/api/platforms', headers: { origin: 'https://evil.example' } });
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    expect(answer.headers.vary).toBe('Origin');
  });

  it('answers-a-preflight-to-an-api-path-with-the-services-options-answer-plus-cors-headers', async () => {
    seen.length = 0;
    const answer = await send(withCors.url, {
      method: 'OPTIONS',
      path: '/api/platforms',
      headers: { origin: app, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-request-id' },
    });
    expect(answer.status).toBe(204);
    expect(seen).toEqual(['OPTIONS /api/platforms']);
    expect(answer.headers).toMatchObject({
      allow: 'GET, HEAD, POST, OPTIONS',
      'access-control-allow-origin': app,
      'access-control-allow-methods': 'GET, HEAD, POST, PUT, DELETE, OPTIONS',
      'access-control-allow-headers': 'content-type, x-request-id',
      'access-control-max-age': '600',
      vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    });
  });

  it('answers-a-preflight-outside-the-apis-itself', async () => {
    const answer = await send(withCors.url, { method: 'OPTIONS', path: '/docs/', headers: { origin: app, 'access-control-request-method': 'GET' } });
    expect(answer.status).toBe(204);
    expect(answer.headers['access-control-allow-origin']).toBe(app);
  });

  it('sends-no-cors-headers-when-no-origin-is-configured', async () => {
    const answer = await send(withoutCors.url, { path: '/api/platforms', headers: { origin: app } });
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.headers).filter((name) => name.startsWith('access-control-') || name === 'vary')).toEqual([]);
  });

  it('reads-cors-origins-from-the-environment-and-refuses-what-is-not-an-origin', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: ` ${app}, http://localhost:3000 ` }).corsOrigins).toEqual([app, 'http://localhost:3000']);
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://app.example.com/path' })).toThrow(/CORS_ORIGINS must be \* or comma-separated origins/);
  });
});
