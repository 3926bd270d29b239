import { describe, expect, it } from 'vitest';
import { gadgetsForTests, send, startGadgets } from './gadgets.fixture.ts';

describe('routeMatch: paths and methods as the contract conventions state', () => {
  const s = gadgetsForTests();

  it('answers-a-trailing-slash-an-empty-segment-and-an-unknown-path-with-404', async () => {
    for (const path of ['/gadgets/', '//gadgets', '/gadgets//ping', '/gadgets/1/', '/nothing', '/gadgets/1/parts']) {
      const answer = await send(s.base, { path });
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect({ status: answer.status, ...answer.json }).toMatchObject({ status: 404, detail: `No operation matches GET ${path}.`, instance: path });
    }
    expect(s.calls).toEqual([]);
  });

  it('answers-a-method-the-path-does-not-offer-with-405-and-allow', async () => {
    const answer = await send(s.base, { method: 'PATCH', path: '/gadgets' });
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('GET, HEAD, POST, OPTIONS');
    expect(answer.json).toMatchObject({ status: 405, detail: 'PATCH is not allowed here; allowed: GET, HEAD, POST, OPTIONS.' });
    expect((await send(s.base, { method: 'DELETE', path: '/gadgets/1/ping' })).headers.allow).toBe('POST, OPTIONS');
  });

  it('answers-options-with-204-and-allow-without-calling-a-handler', async () => {
    const answer = await send(s.base, { method: 'OPTIONS', path: '/gadgets/7' });
    expect(answer).toMatchObject({ status: 204, text: '' });
    expect(answer.headers.allow).toBe('GET, HEAD, OPTIONS');
    expect(answer.headers['x-request-id']).toBeDefined();
    expect(s.calls).toEqual([]);
  });

  it('answers-head-as-the-get-without-a-body', async () => {
    const get = await send(s.base, { path: '/gadgets/7' });
    const head = await send(s.base, { method: 'HEAD', path: '/gadgets/7' });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    expect(s.calls.map((call) => call.operation)).toEqual(['getGadget', 'getGadget']);
  });

  it('validates-head-like-get', async () => {
    const answer = await send(s.base, { method: 'HEAD', path: '/gadgets/0' });
    expect(answer.status).toBe(400);
    expect((await send(s.base, { method: 'HEAD', path: '/gadgets?colour=red' })).status).toBe(400);
  });

  it('refuses-unknown-query-parameters-naming-them', async () => {
    const answer = await send(s.base, { path: '/gadgets?colour=red' });
    expect(answer.status).toBe(400);
    expect(answer.json?.errors).toEqual([{ field: 'colour', in: 'query', message: "Unknown query parameter 'colour'" }]);
  });

  it('sends-no-automatic-etag', async () => {
    expect((await send(s.base, { path: '/gadgets' })).headers.etag).toBeUndefined();
  });
});

describe('problem instance', () => {
  it('is-a-valid-uri-reference-whatever-the-path-carried', async () => {
    const s = await startGadgets();
    try {
      const instances: unknown[] = [];
      for (const path of ['/gadgets/%E0%A4%A', '/gadgets/%', '/gadgets/%zz/ping', '/nothing%']) instances.push((await send(s.base, { path })).json?.instance);
      expect(instances).toEqual(['/gadgets/%E0%A4%25A', '/gadgets/%25', '/gadgets/%25zz/ping', '/nothing%25']);
    } finally {
      await s.close();
    }
  });
});
