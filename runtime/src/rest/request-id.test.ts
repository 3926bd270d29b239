import { afterEach, describe, expect, it } from 'vitest';
import { requestState } from './request-state.ts';
import { serveTestApp } from './test-app.ts';
import type { TestApp } from './test-app.ts';

let served: TestApp | undefined;
afterEach(() => served?.close());

async function serve(): Promise<string> {
  served = await serveTestApp((app) =>
    app.get('/', (_req, res) => {
      const { requestId, log } = requestState(res);
      log.info('handled');
      res.json({ requestId });
    }),
  );
  return served.base;
}

describe('requestId middleware', () => {
  it('keeps an acceptable caller id and echoes it', async () => {
    const base = await serve();
    const response = await fetch(base, { headers: { 'x-request-id': 'gw-7f3a:1/2+3=4_5.6' } });
    expect(response.headers.get('x-request-id')).toBe('gw-7f3a:1/2+3=4_5.6');
    expect(await response.json()).toEqual({ requestId: 'gw-7f3a:1/2+3=4_5.6' });
  });

  it('generates a UUID when the caller sends none, or one too long or with unsafe characters', async () => {
    const base = await serve();
    for (const offered of [undefined, 'x'.repeat(129), 'a b', 'a"b', '<script>']) {
      const response = await fetch(base, { headers: offered === undefined ? {} : { 'x-request-id': offered } });
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
  });

  it('binds the request logger to the id', async () => {
    const base = await serve();
    await fetch(base, { headers: { 'x-request-id': 'bound-1' } });
    expect(served?.logs).toContainEqual(expect.objectContaining({ requestId: 'bound-1', msg: 'handled' }));
  });
});
