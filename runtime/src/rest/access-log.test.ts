import { afterEach, describe, expect, it, vi } from 'vitest';
import { accessLog } from './access-log.ts';
import { serveTestApp } from './test-app.ts';
import type { TestApp } from './test-app.ts';

let served: TestApp | undefined;
afterEach(() => served?.close());

describe('accessLog middleware', () => {
  it('writes one line per request: info below 500, error from 500, debug for quiet paths even when they fail', async () => {
    served = await serveTestApp((app) => {
      app.use(accessLog({ quietPaths: new Set(['/healthz', '/readyz']) }));
      app.get('/ok', (_req, res) => void res.status(204).end());
      app.get('/broken', (_req, res) => void res.status(503).end());
      app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
      app.get('/readyz', (_req, res) => void res.status(503).json({ status: 'not ready' }));
    });
    for (const path of ['/ok', '/broken', '/healthz', '/readyz']) {
      await (await fetch(`${served.base}${path}?q=1`, { headers: { 'x-request-id': `log${path}` } })).text();
      // The line is written when the response closes, which may come just after the client has it.
      await vi.waitFor(() => expect(served?.logs.some((line) => line.requestId === `log${path}` && line.durationMs !== undefined)).toBe(true));
    }
    const lines = served.logs.filter((line) => typeof line.durationMs === 'number');
    expect(lines.map((line) => [line.requestId, line.method, line.path, line.status, line.level])).toEqual([
      ['log/ok', 'GET', '/ok', 204, 30],
      ['log/broken', 'GET', '/broken', 503, 50],
      ['log/healthz', 'GET', '/healthz', 200, 20],
      ['log/readyz', 'GET', '/readyz', 503, 20],
    ]);
  });
});
