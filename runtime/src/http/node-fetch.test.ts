import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeFetch } from './node-fetch.ts';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Serves `handler` on `port` (0: any free port) and resolves with the origin. */
async function serve(handler: Parameters<typeof createServer>[1], port = 0): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server?.once('error', reject);
    server?.listen(port, '127.0.0.1', resolve);
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('nodeFetch', () => {
  it('sends-method-headers-and-body-and-reads-status-headers-and-body', async () => {
    const origin = await serve((req, res) => {
      let received = '';
      req.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
        res.end(JSON.stringify({ method: req.method, type: req.headers['content-type'], received }));
      });
    });
    const response = await nodeFetch(`${origin}/things`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"x":1}' });
    expect(response.status).toBe(201);
    expect(response.headers.get('set-cookie')).toBe('a=1, b=2');
    expect(await response.json()).toEqual({ method: 'POST', type: 'application/json', received: '{"x":1}' });
  });

  it('tries-port-6000-which-the-global-fetch-refuses-as-a-bad-port', async () => {
    // 6000 is commands-service's default port; something may or may not listen there, so the
    // test only asks that nodeFetch really tries (answer or ECONNREFUSED), never "bad port".
    await expect(fetch('http://127.0.0.1:6000/')).rejects.toMatchObject({ cause: { message: 'bad port' } });
    const outcome = await nodeFetch('http://127.0.0.1:6000/healthz').then(
      (response) => `answered ${response.status}`,
      (error: Error) => error.message,
    );
    expect(outcome).toMatch(/^(answered \d+|cannot fetch http:\/\/127\.0\.0\.1:6000\/healthz: connect ECONNREFUSED.*)$/);
  });

  it('gives-a-null-body-for-204', async () => {
    const origin = await serve((_req, res) => void res.writeHead(204).end());
    const response = await nodeFetch(origin);
    expect([response.status, response.body]).toEqual([204, null]);
  });

  it('rejects-with-the-abort-reason-when-the-signal-fires', async () => {
    const origin = await serve(() => {}); // never answers
    const signal = AbortSignal.timeout(50);
    await expect(nodeFetch(origin, { signal })).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('rejects-with-a-type-error-when-nothing-listens', async () => {
    const origin = await serve((_req, res) => res.end());
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    await expect(nodeFetch(origin)).rejects.toThrow(/^cannot fetch http:\/\/127\.0\.0\.1:\d+\/: connect ECONNREFUSED/);
  });
});
