import { afterEach, describe, expect, it } from 'vitest';
import { healthRoutes } from './health.ts';
import type { ReadinessReporter } from '../lifecycle/readiness.ts';
import { serveTestApp } from './test-app.ts';
import type { TestApp } from './test-app.ts';

let served: TestApp | undefined;
afterEach(() => served?.close());

async function serve(readiness: ReadinessReporter, draining = false): Promise<string> {
  served = await serveTestApp((app) => app.use(healthRoutes(readiness, () => draining)));
  return served.base;
}

describe('health routes', () => {
  it('answers /healthz with 200 even when not ready', async () => {
    const base = await serve(() => ({ ok: false, checks: {} }));
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 200 and the checks when ready', async () => {
    const base = await serve(async () => ({ ok: true, checks: { database: { ok: true } } }));
    const response = await fetch(`${base}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', checks: { database: { ok: true } } });
  });

  it('answers /readyz with 503 when a dependency is down', async () => {
    const base = await serve(() => ({ ok: false, checks: { broker: { ok: false, detail: 'connection refused' } } }));
    const response = await fetch(`${base}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'unavailable', checks: { broker: { ok: false, detail: 'connection refused' } } });
  });

  it('answers /readyz with 503 and logs when the readiness callback throws', async () => {
    const base = await serve(async () => {
      throw new Error('pool exhausted');
    });
    const response = await fetch(`${base}/readyz`);
    expect(response.status).toBe(503);
    expect(JSON.stringify(await response.json())).not.toContain('pool exhausted');
    expect(served?.logs.some((line) => line.msg === 'cannot check readiness: the readiness callback failed')).toBe(true);
  });

  it('answers /readyz with 503 while draining', async () => {
    const base = await serve(() => ({ ok: true, checks: {} }), true);
    const response = await fetch(`${base}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'unavailable', checks: { server: { ok: false, detail: 'shutting down' } } });
  });
});
