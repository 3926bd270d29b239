import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import { createLogger } from '@platform/runtime/logging';
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

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function readBody(message: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    message.setEncoding('utf8');
    message.on('data', (chunk: string) => (text += chunk));
    message.on('end', () => resolve(text));
    message.on('error', reject);
  });
}

describe('gateway proxy', () => {
  it('forwards method, path, query, body, status and end-to-end headers unchanged', async () => {
    const upstream = track(
      await startUpstream(async (req, res) => {
        const body = await readBody(req);
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.setHeader('x-upstream', 'yes');
        res.setHeader('location', '/api/platforms/7');
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, url: req.url, body, custom: req.headers['x-custom'], contentType: req.headers['content-type'] }));
      }),
    );
    const gateway = track(await startGateway({ serviceUrls: { 'platform-service': upstream.url } }));

    const answer = await fetch(`${gateway.url}/api/platforms?x=1&y=%20z`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-custom': 'kept' },
      body: '{"name":"Go"}',
    });

    expect(answer.status).toBe(201);
    expect(answer.headers.get('x-upstream')).toBe('yes');
    expect(answer.headers.get('location')).toBe('/api/platforms/7');
    expect(answer.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await answer.json()).toEqual({ method: 'POST', url: '/api/platforms?x=1&y=%20z', body: '{"name":"Go"}', custom: 'kept', contentType: 'application/json' });
  });

  it('forwards Authorization untouched and the challenge back, and logs no token', async () => {
    const upstream = track(
      await startUpstream((req, res) => {
        res.writeHead(401, { 'content-type': 'application/problem+json', 'www-authenticate': 'Bearer realm="platform-service", error="invalid_token"' });
        res.end(JSON.stringify({ authorization: req.headers.authorization }));
      }),
    );
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk: Buffer, _encoding, done) => done(void lines.push(chunk.toString())) });
    const gateway = track(await startGateway({ serviceUrls: { 'platform-service': upstream.url } }, createLogger({ name: 'gateway-test', level: 'trace', destination })));
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJlLW9mLWEtdG9rZW4';

    const answer = await fetch(`${gateway.url}/api/platforms`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="platform-service", error="invalid_token"');
    expect(await answer.json()).toEqual({ authorization: `Bearer ${token}` });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((line) => line.includes(token) || line.includes('c2lnbmF0dXJl'))).toEqual([]);
  });

  it('drops hop-by-hop headers and the headers named by Connection, both ways', async () => {
    const seen = deferred<IncomingMessage['headers']>();
    const upstream = track(
      await startUpstream((req, res) => {
        seen.resolve(req.headers);
        res.writeHead(200, { connection: 'x-upstream-hop', 'x-upstream-hop': 'secret', 'proxy-authenticate': 'Basic', 'x-kept': 'yes' });
        res.end('ok');
      }),
    );
    const gateway = track(await startGateway({ serviceUrls: { 'platform-service': upstream.url } }));

    const answer = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(`${gateway.url}/api/platforms`, {
        headers: { connection: 'keep-alive, x-client-hop', 'x-client-hop': 'secret', 'proxy-authorization': 'Basic eA==', 'x-kept': 'yes' },
      });
      req.on('response', resolve).on('error', reject).end();
    });
    await readBody(answer);
    const upstreamSaw = await seen.promise;

    expect(upstreamSaw['x-client-hop']).toBeUndefined();
    expect(upstreamSaw['proxy-authorization']).toBeUndefined();
    expect(upstreamSaw['x-kept']).toBe('yes');
    expect(upstreamSaw['x-forwarded-for']).toBeTruthy();
    expect(answer.headers['x-upstream-hop']).toBeUndefined();
    expect(answer.headers['proxy-authenticate']).toBeUndefined();
    expect(answer.headers['x-kept']).toBe('yes');
  });

  it('passes the caller x-request-id to the upstream and back', async () => {
    const seen = deferred<string | undefined>();
    const upstream = track(
      await startUpstream((req, res) => {
        seen.resolve(req.headers['x-request-id'] as string | undefined);
        res.end();
      }),
    );
    const gateway = track(await startGateway({ serviceUrls: { 'commands-service': upstream.url } }));

    const answer = await fetch(`${gateway.url}/api/c/platforms`, { headers: { 'x-request-id': 'trace-42' } });

    expect(answer.headers.get('x-request-id')).toBe('trace-42');
    expect(await seen.promise).toBe('trace-42');
  });

  it('gives a request without a usable x-request-id a new one, the same upstream and back', async () => {
    const seen = deferred<string | undefined>();
    const upstream = track(
      await startUpstream((req, res) => {
        seen.resolve(req.headers['x-request-id'] as string | undefined);
        res.end();
      }),
    );
    const gateway = track(await startGateway({ serviceUrls: { 'commands-service': upstream.url } }));

    const answer = await fetch(`${gateway.url}/api/c/platforms`, { headers: { 'x-request-id': 'has spaces "and quotes"' } });

    const id = answer.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await seen.promise).toBe(id);
  });

  it('streams the response: the first bytes reach the client before the upstream finishes', async () => {
    const release = deferred();
    const upstream = track(
      await startUpstream(async (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first;');
        await release.promise;
        res.end('last');
      }),
    );
    const gateway = track(await startGateway({ serviceUrls: { 'platform-service': upstream.url } }));

    const answer = await fetch(`${gateway.url}/api/platforms/stream`);
    const reader = answer.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('first;');

    release.resolve();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
    expect(rest).toBe('last');
  });

  it('streams the request: the upstream gets the first bytes before the client finishes sending', async () => {
    const firstChunk = deferred<string>();
    const upstream = track(
      await startUpstream((req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (chunk: string) => {
          if (body === '') firstChunk.resolve(chunk);
          body += chunk;
        });
        req.on('end', () => res.end(body));
      }),
    );
    const gateway = track(await startGateway({ serviceUrls: { 'platform-service': upstream.url } }));

    const req = request(`${gateway.url}/api/platforms`, { method: 'POST', headers: { 'content-type': 'text/plain' } });
    const answer = new Promise<IncomingMessage>((resolve, reject) => req.on('response', resolve).on('error', reject));
    req.write('part-one;');
    expect(await firstChunk.promise).toBe('part-one;');
    req.end('part-two');

    expect(await readBody(await answer)).toBe('part-one;part-two');
  });

  it('answers a 502 problem when the upstream cannot be reached', async () => {
    const gateway = track(await startGateway({ serviceUrls: { 'platform-service': await deadUrl() } }));

    const answer = await fetch(`${gateway.url}/api/platforms`, { headers: { 'x-request-id': 'down-1' } });

    expect(answer.status).toBe(502);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(await answer.json()).toMatchObject({ status: 502, title: 'Bad Gateway', instance: '/api/platforms', requestId: 'down-1' });
  });

  it('answers a 504 problem when the upstream stays silent past the timeout', async () => {
    const upstream = track(await startUpstream(() => {}));
    const gateway = track(await startGateway({ serviceUrls: { 'commands-service': upstream.url }, upstreamTimeout: 100 }));

    const answer = await fetch(`${gateway.url}/api/c/platforms`);

    expect(answer.status).toBe(504);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(await answer.json()).toMatchObject({ status: 504, title: 'Gateway Timeout', detail: 'commands-service did not answer within 100 ms.' });
  });

  it('cuts the response for the client when the upstream breaks off mid-body', async () => {
    const upstream = track(
      await startUpstream((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('partial');
        setImmediate(() => res.destroy());
      }),
    );
    const gateway = track(await startGateway({ serviceUrls: { 'platform-service': upstream.url } }));

    const answer = await fetch(`${gateway.url}/api/platforms`);

    expect(answer.status).toBe(200);
    await expect(answer.text()).rejects.toThrow('terminated');
  });

  it('writes-one-json-access-line-per-proxied-request-with-its-request-id-path-and-status', async () => {
    const upstream = track(await startUpstream((_req, res) => res.writeHead(201, { 'content-type': 'application/json' }).end('{}')));
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk: Buffer, _encoding, done) => done(void lines.push(...chunk.toString().split('\n').filter((line) => line !== ''))) });
    const gateway = track(await startGateway({ serviceUrls: { 'platform-service': upstream.url } }, createLogger({ name: 'gateway-test', level: 'info', destination })));

    await (await fetch(`${gateway.url}/api/platforms/7?x=1`, { headers: { 'x-request-id': 'line-1' } })).text();

    const access = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.requestId === 'line-1');
    expect(access).toEqual([
      { level: 'info', time: expect.any(String), service: 'gateway-test', requestId: 'line-1', method: 'GET', path: '/api/platforms/7', status: 201, durationMs: expect.any(Number), msg: 'request completed' },
    ]);
  });

  it('counts-each-proxied-request-in-the-metrics-under-its-service', async () => {
    const upstream = track(await startUpstream((_req, res) => res.writeHead(200).end('[]')));
    const gateway = track(await startGateway({ serviceUrls: { 'commands-service': upstream.url } }, createLogger({ name: 'gateway-metrics-test', level: 'silent' })));

    for (let i = 0; i < 3; i++) await (await fetch(`${gateway.url}/api/c/platforms`)).text();

    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(text).toMatch(/http_server_request_duration_seconds_count\{[^}]*operation="commands-service",method="GET",status="200"[^}]*\} 3/);
  });

  it('passes-head-and-options-through-with-the-upstreams-headers-and-no-body', async () => {
    const upstream = track(
      await startUpstream((req, res) => {
        if (req.method === 'OPTIONS') res.writeHead(204, { allow: 'GET, HEAD, OPTIONS' }).end();
        else res.writeHead(200, { 'content-type': 'application/json', 'content-length': '42', etag: '"3"' }).end();
      }),
    );
    const gateway = track(await startGateway({ serviceUrls: { 'platform-service': upstream.url } }));

    const head = await fetch(`${gateway.url}/api/platforms/3`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('42');
    expect(head.headers.get('etag')).toBe('"3"');
    expect(await head.text()).toBe('');
    const options = await fetch(`${gateway.url}/api/platforms/3`, { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
  });

  it('finishes-a-request-in-flight-when-stopped-and-tells-its-client-the-connection-closes', async () => {
    const arrived = deferred();
    const release = deferred();
    const upstream = track(
      await startUpstream(async (_req, res) => {
        arrived.resolve();
        await release.promise;
        res.writeHead(200, { 'content-type': 'text/plain' }).end('done');
      }),
    );
    const gateway = await startGateway({ serviceUrls: { 'platform-service': upstream.url } });
    const answer = new Promise<IncomingMessage>((resolve, reject) => request(`${gateway.url}/api/platforms`).on('response', resolve).on('error', reject).end());
    await arrived.promise;

    const stopped = gateway.close();
    // The drain has begun once the gateway accepts no new connection.
    while (await fetch(`${gateway.url}/healthz`).then(() => true, () => false)) await new Promise((resolve) => setImmediate(resolve));
    release.resolve();

    const response = await answer;
    expect(response.statusCode).toBe(200);
    expect(response.headers.connection).toBe('close');
    expect(await readBody(response)).toBe('done');
    await stopped;
  });
});
