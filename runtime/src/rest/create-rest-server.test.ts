import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { createCatalogueClient } from '../generated/fixtures/openapi/catalogue/client.ts';
import { catalogueSurface } from '../generated/fixtures/openapi/catalogue/server.ts';
import type { CatalogueHandlers, Platform } from '../generated/fixtures/openapi/catalogue/server.ts';
import { AppError, errorCodes } from '../errors/index.ts';
import { createRestServer, problem } from './index.ts';
import { exchangeObserver, observeExchanges } from './testing.ts';
import type { RestServer, RestServerOptions } from './index.ts';

/** A handler set over the generated surface of the runtime's fixture contract (runtime/fixtures/openapi/catalogue.yaml), with a few deliberate failures. */
function platformHandlers(seenParams: unknown[] = []) {
  const platforms: Platform[] = [{ id: 1, name: 'Dot Net', publisher: 'Microsoft', cost: 'Free' }];
  return {
    async listPlatforms() {
      return { status: 200, body: platforms };
    },
    async createPlatform({ body }) {
      const platform = { id: platforms.length + 1, ...body };
      platforms.push(platform);
      return { status: 201, body: platform, headers: { location: `/api/platforms/${platform.id}` } };
    },
    async getPlatformById({ params }) {
      seenParams.push(params);
      if (params.id === 666) throw new Error('cannot connect to db at postgres://admin:hunter2@db');
      if (params.id === 667) throw new AppError(errorCodes.notFound, `cannot find platform ${params.id}: no such id`);
      if (params.id === 777) return { status: 200, body: { id: 777, name: 'Half a platform' } as unknown as Platform };
      const platform = platforms.find((p) => p.id === params.id);
      return platform ? { status: 200, body: platform } : { status: 404, body: problem(404, `cannot find platform ${params.id}: no such id`) };
    },
  } satisfies CatalogueHandlers;
}

interface Started {
  readonly server: RestServer;
  readonly base: string;
  readonly logs: Record<string, unknown>[];
}

async function start(options: Partial<RestServerOptions<CatalogueHandlers>> = {}, seenParams: unknown[] = []): Promise<Started> {
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const server = createRestServer({ surface: catalogueSurface, handlers: platformHandlers(seenParams), logger, validateResponses: true, ...options });
  const { port } = await server.listen(0, '127.0.0.1');
  return { server, base: `http://127.0.0.1:${port}`, logs };
}

async function post(base: string, body: string, contentType = 'application/json'): Promise<Response> {
  return fetch(`${base}/api/platforms`, { method: 'POST', body, headers: { 'content-type': contentType } });
}

/** An answer's status, headers (but its date) and body, the request sent with a fixed request id. */
async function answer(base: string, path: string, init: RequestInit = {}): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const response = await fetch(`${base}${path}`, { ...init, headers: { 'x-request-id': 'same-id', ...(init.headers as Record<string, string>) } });
  const headers = Object.fromEntries([...response.headers].filter(([name]) => name !== 'date' && name !== 'keep-alive'));
  return { status: response.status, headers, body: await response.text() };
}

async function problemOf(response: Response): Promise<Record<string, unknown>> {
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await response.json()) as Record<string, unknown>;
}

describe('createRestServer over the catalogue fixture surface (responses validated)', () => {
  const seenParams: unknown[] = [];
  let s: Started;
  beforeAll(async () => {
    s = await start({}, seenParams);
  });
  afterAll(() => s.server.close());

  it('lists platforms with 200 and a generated x-request-id', async () => {
    const response = await fetch(`${s.base}/api/platforms`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await response.json()).toEqual([{ id: 1, name: 'Dot Net', publisher: 'Microsoft', cost: 'Free' }]);
  });

  it('echoes an acceptable x-request-id and replaces an unacceptable one', async () => {
    const echoed = await fetch(`${s.base}/api/platforms`, { headers: { 'x-request-id': 'trace-abc.123' } });
    expect(echoed.headers.get('x-request-id')).toBe('trace-abc.123');
    const replaced = await fetch(`${s.base}/api/platforms`, { headers: { 'x-request-id': 'has spaces "and quotes"' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('creates a platform with 201, the body and a Location header', async () => {
    const response = await post(s.base, JSON.stringify({ name: 'Kubernetes', publisher: 'CNCF', cost: 'Free' }));
    expect(response.status).toBe(201);
    const created = (await response.json()) as Platform;
    expect(created).toEqual({ id: 2, name: 'Kubernetes', publisher: 'CNCF', cost: 'Free' });
    expect(response.headers.get('location')).toBe('/api/platforms/2');
  });

  it('passes path parameters converted to their schema type', async () => {
    const response = await fetch(`${s.base}/api/platforms/1`);
    expect(response.status).toBe(200);
    expect(seenParams.at(-1)).toEqual({ id: 1 });
  });

  it('answers a handler-returned 404 as a problem with instance and request id', async () => {
    const response = await fetch(`${s.base}/api/platforms/42`, { headers: { 'x-request-id': 'req-42' } });
    expect(response.status).toBe(404);
    expect(await problemOf(response)).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'cannot find platform 42: no such id',
      instance: '/api/platforms/42',
      requestId: 'req-42',
    });
  });

  it('maps a thrown AppError to its status', async () => {
    const response = await fetch(`${s.base}/api/platforms/667`);
    expect(response.status).toBe(404);
    expect((await problemOf(response)).detail).toBe('cannot find platform 667: no such id');
  });

  it('rejects a body with missing, empty, wrong-typed and unknown fields, naming each', async () => {
    const response = await post(s.base, JSON.stringify({ name: '', publisher: 7, colour: 'blue' }));
    expect(response.status).toBe(400);
    const body = await problemOf(response);
    const errors = body.errors as { field: string; in: string; message: string }[];
    expect(errors).toEqual(
      expect.arrayContaining([
        { field: 'cost', in: 'body', message: "must have required property 'cost'" },
        { field: 'name', in: 'body', message: 'must NOT have fewer than 1 characters' },
        { field: 'publisher', in: 'body', message: 'must be string' },
        { field: 'colour', in: 'body', message: 'must NOT have additional properties' },
      ]),
    );
  });

  it('rejects a blank name (whitespace only)', async () => {
    const response = await post(s.base, JSON.stringify({ name: '   ', publisher: 'p', cost: 'c' }));
    expect(response.status).toBe(400);
    expect((await problemOf(response)).errors).toEqual([{ field: 'name', in: 'body', message: 'must match pattern "\\S"' }]);
  });

  it('rejects a body that is not an object', async () => {
    const response = await post(s.base, '[1, 2]');
    expect(response.status).toBe(400);
    expect((await problemOf(response)).errors).toEqual([{ field: '', in: 'body', message: 'must be object' }]);
  });

  it('rejects a POST without a body with 400', async () => {
    const response = await fetch(`${s.base}/api/platforms`, { method: 'POST' });
    expect(response.status).toBe(400);
    expect((await problemOf(response)).errors).toEqual([{ field: '', in: 'body', message: 'is required' }]);
  });

  it('rejects a non-integer and a zero id with 400 naming the path parameter', async () => {
    for (const id of ['abc', '0', '1.5']) {
      const response = await fetch(`${s.base}/api/platforms/${id}`);
      expect(response.status).toBe(400);
      const errors = (await problemOf(response)).errors as { field: string; in: string }[];
      expect(errors.map((e) => `${e.in}:${e.field}`)).toEqual(['path:id']);
    }
  });

  it('rejects malformed JSON with 400', async () => {
    const response = await post(s.base, '{"name": "x",');
    expect(response.status).toBe(400);
    expect((await problemOf(response)).detail).toBe('The request body is not valid JSON.');
  });

  it('rejects a body over the limit with 413', async () => {
    const response = await post(s.base, JSON.stringify({ name: 'x'.repeat(70_000), publisher: 'p', cost: 'c' }));
    expect(response.status).toBe(413);
    expect((await problemOf(response)).detail).toBe('The request body is larger than 65536 bytes.');
  });

  it('rejects a body that is not JSON with 415', async () => {
    const response = await post(s.base, 'name=x', 'text/plain');
    expect(response.status).toBe(415);
    expect((await problemOf(response)).detail).toBe('The request body must be application/json, not text/plain.');
  });

  it('answers an unknown route with a 404 problem', async () => {
    const response = await fetch(`${s.base}/api/nothing-here`);
    expect(response.status).toBe(404);
    expect(await problemOf(response)).toMatchObject({ status: 404, title: 'Not Found', instance: '/api/nothing-here' });
  });

  it('answers a known path with an unsupported method with 405 and Allow', async () => {
    const response = await fetch(`${s.base}/api/platforms/1`, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect((await problemOf(response)).status).toBe(405);
  });

  it('answers a throwing handler with a generic 500 and logs the stack', async () => {
    const response = await fetch(`${s.base}/api/platforms/666`, { headers: { 'x-request-id': 'req-666' } });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toMatch(/hunter2|postgres|Error:|\bat \w+ \(|<html/i);
    expect(JSON.parse(text)).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: 'An unexpected error occurred. Quote the request id when reporting it.',
      instance: '/api/platforms/666',
      requestId: 'req-666',
    });
    const logged = s.logs.find((line) => line.requestId === 'req-666' && line.level === 50 && line.err !== undefined);
    expect(logged).toBeDefined();
    expect((logged!.err as { stack?: string }).stack).toContain('hunter2');
  });

  it('catches a response body that breaks the contract', async () => {
    const response = await fetch(`${s.base}/api/platforms/777`);
    expect(response.status).toBe(500);
    expect((await problemOf(response)).detail).toBe('The response does not match the contract.');
  });

  it('speaks to the generated typed client (base URL is the origin)', async () => {
    const client = createCatalogueClient(s.base);
    const created = await client.POST('/api/platforms', { body: { name: 'Go', publisher: 'Google', cost: 'Free' } });
    expect(created.response.status).toBe(201);
    const id = created.data?.id ?? 0;
    const found = await client.GET('/api/platforms/{id}', { params: { path: { id } } });
    expect(found.data).toEqual({ id, name: 'Go', publisher: 'Google', cost: 'Free' });
    const missing = await client.GET('/api/platforms/{id}', { params: { path: { id: 4040 } } });
    expect(missing.error).toMatchObject({ status: 404, title: 'Not Found' });
  });

  it('writes one access-log line per request, with the request id', async () => {
    await (await fetch(`${s.base}/api/platforms`, { headers: { 'x-request-id': 'req-log' } })).text();
    const lines = () => s.logs.filter((line) => line.requestId === 'req-log' && line.msg === 'request completed');
    // Written when the response closes, which may come just after the client has it.
    await vi.waitFor(() => expect(lines().length).toBeGreaterThan(0));
    expect(lines()).toEqual([expect.objectContaining({ method: 'GET', path: '/api/platforms', status: 200, level: 30 })]);
  });
});

describe('createRestServer observability', () => {
  it('serves /metrics with each answered operation counted, outside the contract and the access log', async () => {
    const logger = pino({ level: 'debug', base: { service: 'rest-metrics-test' } }, { write: () => undefined });
    const server = createRestServer({ surface: catalogueSurface, handlers: platformHandlers(), logger });
    const { port } = await server.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${port}`;
    const observed: string[] = [];
    const previous = exchangeObserver();
    observeExchanges((exchange) => observed.push(exchange.path));
    try {
      await fetch(`${base}/api/platforms`);
      await fetch(`${base}/api/platforms/2`);
      await fetch(`${base}/nowhere`);
      const answer = await fetch(`${base}/metrics`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      // A request is counted when its response closes, which may come just after the client has it.
      const text = await vi.waitFor(async () => {
        const scraped = await (await fetch(`${base}/metrics`)).text();
        expect(scraped).toContain('operation="unmatched"');
        return scraped;
      });
      expect(text).toContain('http_server_request_duration_seconds_count{part="rest-metrics-test",operation="listPlatforms",method="GET",status="200"} 1');
      expect(text).toContain('http_server_request_duration_seconds_count{part="rest-metrics-test",operation="getPlatformById",method="GET",status="404"} 1');
      expect(text).toContain('http_server_request_duration_seconds_count{part="rest-metrics-test",operation="unmatched",method="GET",status="404"} 1');
      expect(observed).not.toContain('/metrics');
    } finally {
      observeExchanges(previous);
      await server.close();
    }
  });

  it('logs the trace id of a request that carries a traceparent', async () => {
    const s = await start();
    try {
      await fetch(`${s.base}/api/platforms`, { headers: { 'x-request-id': 'req-traced', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } });
      await fetch(`${s.base}/api/platforms`, { headers: { 'x-request-id': 'req-untraced' } });
      const line = (id: string) => s.logs.find((entry) => entry.requestId === id && entry.msg === 'request completed');
      await vi.waitFor(() => expect(line('req-untraced')).toBeDefined());
      expect(line('req-traced')).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736' });
      expect(line('req-untraced')).not.toHaveProperty('traceId');
    } finally {
      await s.server.close();
    }
  });
});

describe('createRestServer options', () => {
  it('lets a wrong response body through when response validation is off (production)', async () => {
    const s = await start({ validateResponses: false });
    // This answer breaks the contract on purpose: keep it from the run's conformance check.
    const observer = exchangeObserver();
    observeExchanges(undefined);
    try {
      const response = await fetch(`${s.base}/api/platforms/777`);
      expect(response.status).toBe(200);
    } finally {
      observeExchanges(observer);
      await s.server.close();
    }
  });

  it('answers as res.json does when answers are written directly (response validation off)', async () => {
    const [direct, throughJson] = [await start({ validateResponses: false }), await start({ validateResponses: true })];
    try {
      for (const { base } of [direct, throughJson]) expect((await post(base, JSON.stringify({ name: 'Zürich €', publisher: 'Ünïcode', cost: 'Free' }))).status).toBe(201);
      const calls: [string, RequestInit?][] = [
        ['/api/platforms'],
        ['/api/platforms/2'],
        ['/api/platforms/9'],
        ['/api/platforms/2', { method: 'HEAD' }],
        ['/api/platforms/2', { headers: { 'if-none-match': '*' } }],
      ];
      for (const [path, init] of calls) expect(await answer(direct.base, path, init)).toEqual(await answer(throughJson.base, path, init));
      expect((await answer(direct.base, '/api/platforms/2')).headers['content-length']).toBe(String(Buffer.byteLength('{"id":2,"name":"Zürich €","publisher":"Ünïcode","cost":"Free"}')));
    } finally {
      await direct.server.close();
      await throughJson.server.close();
    }
  });

  it('applies a configured body limit', async () => {
    const s = await start({ bodyLimit: '1kb' });
    try {
      const response = await post(s.base, JSON.stringify({ name: 'x'.repeat(2000), publisher: 'p', cost: 'c' }));
      expect(response.status).toBe(413);
    } finally {
      await s.server.close();
    }
  });

  it('finishes in-flight requests on close, then refuses connections', async () => {
    const gate = Promise.withResolvers<void>();
    const inFlight = Promise.withResolvers<void>();
    const s = await start({
      drainTimeoutMs: 5_000,
      readiness: async () => {
        inFlight.resolve();
        await gate.promise;
        return { ok: true, checks: {} };
      },
    });
    const pending = fetch(`${s.base}/readyz`);
    await inFlight.promise;
    const closing = s.server.close();
    gate.resolve();
    expect((await pending).status).toBe(200);
    await closing;
    await expect(fetch(`${s.base}/healthz`)).rejects.toThrow('fetch failed');
  });

  it('refuses a handler set with a missing operation at construction', () => {
    const { createPlatform: _, ...incomplete } = platformHandlers();
    const options = { surface: catalogueSurface, handlers: incomplete as unknown as CatalogueHandlers };
    expect(() => createRestServer(options)).toThrow('cannot create REST server for catalogue: handler "createPlatform" is missing');
  });

  it('refuses a body limit that is not a size', () => {
    expect(() => createRestServer({ surface: catalogueSurface, handlers: platformHandlers(), bodyLimit: 'lots' })).toThrow(
      "cannot create REST server for catalogue: bodyLimit lots is not a size like 65536 or '64kb'",
    );
  });
});

describe('createRestServer in production settings (compiled validation, responses not validated): the fast path', () => {
  let s: Started;
  let express: ReturnType<typeof vi.spyOn>;
  beforeAll(async () => {
    s = await start({ requestValidation: 'compiled', validateResponses: false });
    express = vi.spyOn(s.server.app as unknown as { handle: (...args: unknown[]) => unknown }, 'handle');
  });
  afterAll(() => s.server.close());

  it('serves-contract-operations-before-express-with-the-same-answers-and-access-lines', async () => {
    express.mockClear();
    const got = await answer(s.base, '/api/platforms/1');
    const created = await answer(s.base, '/api/platforms', { method: 'POST', body: JSON.stringify({ name: 'Kubernetes', publisher: 'CNCF', cost: 'Free' }), headers: { 'content-type': 'application/json' } });
    const refused = await answer(s.base, '/api/platforms/01');
    expect(express).not.toHaveBeenCalled();
    expect(got).toMatchObject({ status: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'same-id' } });
    expect(JSON.parse(got.body)).toEqual({ id: 1, name: 'Dot Net', publisher: 'Microsoft', cost: 'Free' });
    expect(created).toMatchObject({ status: 201, headers: { location: '/api/platforms/2' } });
    expect(refused).toMatchObject({ status: 400, headers: { 'content-type': 'application/problem+json; charset=utf-8' } });
    const lines = s.logs.filter((line) => line.msg === 'request completed').map(({ method, path, status, requestId }) => ({ method, path, status, requestId }));
    expect(lines.slice(-3)).toEqual([
      { method: 'GET', path: '/api/platforms/1', status: 200, requestId: 'same-id' },
      { method: 'POST', path: '/api/platforms', status: 201, requestId: 'same-id' },
      { method: 'GET', path: '/api/platforms/01', status: 400, requestId: 'same-id' },
    ]);
  });

  it('leaves-to-express-what-it-is-not-sure-to-answer-alike', async () => {
    express.mockClear();
    expect((await answer(s.base, '/api/platforms/1', { method: 'HEAD' })).status).toBe(200);
    expect((await answer(s.base, '/api/platforms/1', { headers: { 'if-none-match': '"x"' } })).status).toBe(200);
    expect((await answer(s.base, '/api/platforms', { method: 'POST', body: 'name=x', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await answer(s.base, '/api/nothing')).status).toBe(404);
    expect(express).toHaveBeenCalledTimes(4);
  });

  it('is-refused-where-it-cannot-answer-as-the-pipeline-does', () => {
    expect(() => createRestServer({ surface: catalogueSurface, handlers: platformHandlers(), fastPath: true })).toThrow(
      "cannot create REST server for catalogue: fastPath needs requestValidation 'compiled' and validateResponses off",
    );
  });
});
