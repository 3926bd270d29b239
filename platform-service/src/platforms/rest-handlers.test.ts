import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../testing/databases.ts';
import { startTestService } from '../testing/service-fixture.ts';
import type { TestService } from '../testing/service-fixture.ts';

const valid = { name: 'Kubernetes', publisher: 'Cloud Native Computing Foundation', cost: 'Free' };
const problemType = 'application/problem+json';

describe.each(databaseTargets)('platform-service REST on $name', (target) => {
  let release: () => Promise<void>;
  let api: TestService;

  beforeAll(async () => {
    const database = await target.open();
    release = database.release;
    api = await startTestService({ database: database.config });
  });
  afterAll(async () => {
    await api?.stop();
    await release?.();
  });

  /** A raw request, for inputs the typed client refuses to build. */
  function send(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${api.restUrl}${path}`, init);
  }

  describe('createPlatform', () => {
    it('answers-201-with-the-platform-and-its-location', async () => {
      const { data, response } = await api.client.POST('/api/platforms', { body: valid });
      expect(response.status).toBe(201);
      expect(data).toEqual({ id: expect.any(Number), ...valid });
      expect(response.headers.get('location')).toBe(`/api/platforms/${data?.id}`);
      const followed = await api.client.GET('/api/platforms/{id}', { params: { path: { id: data!.id } } });
      expect(followed.data).toEqual(data);
    });

    it('assigns-increasing-ids-and-lists-platforms-in-id-order', async () => {
      const first = await api.client.POST('/api/platforms', { body: { ...valid, name: 'First' } });
      const second = await api.client.POST('/api/platforms', { body: { ...valid, name: 'Second' } });
      expect(second.data!.id).toBeGreaterThan(first.data!.id);
      const { data, response } = await api.client.GET('/api/platforms');
      expect(response.status).toBe(200);
      const ids = data!.map((platform) => platform.id);
      expect(ids).toEqual(ids.toSorted((a, b) => a - b));
      expect(data).toEqual(expect.arrayContaining([first.data, second.data]));
    });

    it('keeps-text-exactly-as-sent', async () => {
      const body = { name: '  Ünïcødé — 平台  ', publisher: 'O\'Reilly "Media"', cost: '$10/month' };
      const { data } = await api.client.POST('/api/platforms', { body });
      expect(data).toMatchObject(body);
    });

    it.each([
      { why: 'name missing', body: { publisher: 'p', cost: 'c' }, field: 'name' },
      { why: 'publisher missing', body: { name: 'n', cost: 'c' }, field: 'publisher' },
      { why: 'cost missing', body: { name: 'n', publisher: 'p' }, field: 'cost' },
      { why: 'name empty', body: { name: '', publisher: 'p', cost: 'c' }, field: 'name' },
      { why: 'publisher blank', body: { name: 'n', publisher: '   ', cost: 'c' }, field: 'publisher' },
      { why: 'cost not a string', body: { name: 'n', publisher: 'p', cost: 0 }, field: 'cost' },
      { why: 'name null', body: { name: null, publisher: 'p', cost: 'c' }, field: 'name' },
      { why: 'name too long', body: { name: 'x'.repeat(201), publisher: 'p', cost: 'c' }, field: 'name' },
      { why: 'an unknown field', body: { ...valid, colour: 'blue' }, field: 'colour' },
      { why: 'an id sent by the client', body: { ...valid, id: 7 }, field: 'id' },
    ])('rejects-a-body-with-$why-naming-the-field', async ({ body, field }) => {
      const { error, response } = await api.client.POST('/api/platforms', { body: body as never });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain(problemType);
      expect(error).toMatchObject({ type: 'about:blank', title: 'Bad Request', status: 400, instance: '/api/platforms' });
      expect(error?.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, in: 'body' })]));
    });

    it('rejects-a-body-that-is-not-an-object', async () => {
      for (const body of [[], 'text', 42, null]) {
        const { response } = await api.client.POST('/api/platforms', { body: body as never });
        expect(response.status).toBe(400);
      }
    });

    it('rejects-malformed-json-with-400', async () => {
      const { error, response } = await api.client.POST('/api/platforms', { body: valid, bodySerializer: () => '{"name": "unterminated' });
      expect(response.status).toBe(400);
      expect(error).toMatchObject({ status: 400, detail: 'The request body is not valid JSON.' });
    });

    it('rejects-a-body-over-the-limit-with-413', async () => {
      const { error, response } = await api.client.POST('/api/platforms', { body: { ...valid, name: 'x'.repeat(70_000) } });
      expect(response.status).toBe(413);
      expect(response.headers.get('content-type')).toContain(problemType);
      expect(error).toMatchObject({ status: 413, title: 'Payload Too Large' });
    });

    it('rejects-a-body-that-is-not-json-with-415', async () => {
      const { error, response } = await api.client.POST('/api/platforms', {
        body: valid,
        bodySerializer: () => 'name=Kubernetes',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(response.status).toBe(415);
      expect(error).toMatchObject({ status: 415, title: 'Unsupported Media Type' });
    });

    it('rejects-a-post-without-a-body', async () => {
      const response = await send('/api/platforms', { method: 'POST' });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain(problemType);
    });

    it('stores-nothing-for-a-rejected-body', async () => {
      const before = (await api.client.GET('/api/platforms')).data!.length;
      await api.client.POST('/api/platforms', { body: { ...valid, colour: 'blue' } as never });
      expect((await api.client.GET('/api/platforms')).data).toHaveLength(before);
    });
  });

  describe('getPlatformById', () => {
    it('answers-404-problem-for-an-unknown-id', async () => {
      const { error, response } = await api.client.GET('/api/platforms/{id}', { params: { path: { id: 2_000_000_000 } } });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toContain(problemType);
      expect(error).toMatchObject({
        type: 'about:blank',
        title: 'Not Found',
        status: 404,
        detail: 'cannot find platform 2000000000: no such id',
        instance: '/api/platforms/2000000000',
        requestId: response.headers.get('x-request-id'),
      });
    });

    it.each(['abc', '0', '-1', '1.5', '2147483648', '%20'])('answers-400-naming-the-id-for-%s', async (id) => {
      const response = await send(`/api/platforms/${id}`);
      expect(response.status).toBe(400);
      const body = (await response.json()) as { errors: { field: string; in: string }[] };
      expect(body.errors.length).toBeGreaterThan(0);
      expect(body.errors.every((error) => error.field === 'id' && error.in === 'path')).toBe(true);
    });
  });

  describe('every answer', () => {
    it('echoes-a-sane-request-id-and-puts-it-in-problems', async () => {
      const { error, response } = await api.client.GET('/api/platforms/{id}', {
        params: { path: { id: 2_000_000_001 } },
        headers: { 'x-request-id': 'test-request-42' },
      });
      expect(response.headers.get('x-request-id')).toBe('test-request-42');
      expect(error?.requestId).toBe('test-request-42');
    });

    it('answers-an-unknown-route-with-a-404-problem', async () => {
      const response = await send('/api/nothing-here');
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toContain(problemType);
    });

    it('never-answers-5xx-or-html-to-bad-input', async () => {
      const bad: [string, RequestInit][] = [
        ['/api/platforms', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '' }],
        ['/api/platforms', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }],
        ['/api/platforms', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"a","name":"b"}' }],
        ['/api/platforms', { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'null' }],
        ['/api/platforms', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1,2,3]' }],
        ['/api/platforms', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"__proto__":{"x":1},"name":"n","publisher":"p","cost":"c"}' }],
        ['/api/platforms', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...valid, name: 'x'.repeat(1_000_000) }) }],
        ['/api/platforms', { method: 'POST', headers: { 'content-type': 'application/json; charset=latin1' }, body: JSON.stringify(valid) }],
        ['/api/platforms', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(valid) }],
        ['/api/platforms', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<platform/>' }],
        ['/api/platforms', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 1, publisher: true, cost: {} }) }],
        ['/api/platforms', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(valid) }],
        ['/api/platforms', { method: 'DELETE' }],
        ['/api/platforms/1', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(valid) }],
        ['/api/platforms/99999999999999999999', {}],
        ['/api/platforms/NaN', {}],
        ['/api/platforms/%E0%A4%A', {}],
        ['/api/platforms?limit=-1', {}],
        ['/api/platforms/1/commands', {}],
        ['/%2e%2e/etc/passwd', {}],
      ];
      for (const [path, init] of bad) {
        const response = await send(path, init);
        const text = await response.text();
        expect.soft(response.status, `${init.method ?? 'GET'} ${path}`).toBeLessThan(500);
        expect.soft(text, `${init.method ?? 'GET'} ${path}`).not.toMatch(/<html|at [\w.]+ \(|node_modules/i);
      }
    });
  });

  describe('probes', () => {
    it('reports-alive-and-ready-with-bus-and-outbox-state', async () => {
      expect((await send('/healthz')).status).toBe(200);
      const { status, body } = await api.readyz();
      expect(status).toBe(200);
      expect(body.checks).toMatchObject({
        database: { ok: true },
        bus: { ok: true, detail: 'disabled: no AMQP_URL, events wait in the outbox' },
        outbox: { ok: true, detail: expect.stringMatching(/^\d+ pending; relay off$/) },
      });
    });
  });
});

describe('platform-service REST on an empty catalogue', () => {
  it('lists-no-platforms-as-an-empty-array', async () => {
    const api = await startTestService();
    try {
      const { data, response } = await api.client.GET('/api/platforms');
      expect(response.status).toBe(200);
      expect(data).toEqual([]);
    } finally {
      await api.stop();
    }
  });
});
