/**
 * The hostile and loose inputs of issue 13 against the real platform-service: each one answered
 * with the problem the contract declares, never a 5xx, and nothing stored.
 */
import { gzipSync } from 'node:zlib';
import { send } from '@platform/runtime/http/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService } from '../testing/service-fixture.ts';
import type { TestService } from '../testing/service-fixture.ts';

const json = { 'content-type': 'application/json' };
const valid = { name: 'Docker', publisher: 'Docker Inc.', cost: 'Free' };

describe('platform-service against hostile input', () => {
  let app: TestService;
  beforeAll(async () => {
    app = await startTestService();
    await app.client.POST('/api/platforms', { body: { name: 'Dot Net', publisher: 'Microsoft', cost: 'Free' } });
  });
  afterAll(() => app?.stop());

  const catalogue = async () => (await app.client.GET('/api/platforms')).data;

  it('answers-400-naming-id-for-hostile-and-loose-ids', async () => {
    const ids = ['Infinity', '1e400', '9'.repeat(400), '0x10', '1e3', '+1', '01', '%201', '-1', '0', '2147483648', '1.0'];
    const answers: Record<string, unknown> = {};
    for (const id of ids) {
      const answer = await send(app.restUrl, { path: `/api/platforms/${id}` });
      const errors = (answer.json?.errors ?? []) as { field: string; in: string }[];
      answers[id] = { status: answer.status, type: answer.headers['content-type'], fields: errors.map((e) => `${e.in}:${e.field}`) };
    }
    expect(answers).toEqual(Object.fromEntries(ids.map((id) => [id, { status: 400, type: 'application/problem+json; charset=utf-8', fields: ['path:id'] }])));
    expect((await send(app.restUrl, { path: '/api/platforms/1' })).status).toBe(200);
  });

  it('answers-400-for-nul-and-lone-surrogates-and-stores-nothing', async () => {
    const before = await catalogue();
    for (const body of ['{"name":"a\\u0000b","publisher":"p","cost":"c"}', '{"name":"x\\ud800y","publisher":"p","cost":"c"}', '{"name":"ok","publisher":"\\udfff","cost":"c"}']) {
      const answer = await send(app.restUrl, { method: 'POST', path: '/api/platforms', headers: json, body });
      expect({ status: answer.status, errors: answer.json?.errors }).toEqual({ status: 400, errors: [expect.objectContaining({ in: 'body' })] });
    }
    expect(await catalogue()).toEqual(before);
  });

  it('answers-400-or-415-for-bad-compressed-bodies-and-decodes-good-ones', async () => {
    const body = JSON.stringify(valid);
    const statuses: Record<string, number> = {};
    for (const encoding of ['gzip', 'br', 'deflate']) {
      statuses[encoding] = (await send(app.restUrl, { method: 'POST', path: '/api/platforms', headers: { ...json, 'content-encoding': encoding }, body })).status;
    }
    expect(statuses).toEqual({ gzip: 400, br: 400, deflate: 400 });
    const unknown = await send(app.restUrl, { method: 'POST', path: '/api/platforms', headers: { ...json, 'content-encoding': 'zstd' }, body });
    expect(unknown.status).toBe(415);
    expect(unknown.headers['accept-encoding']).toBe('gzip, deflate, br');
    const gzipped = await send(app.restUrl, { method: 'POST', path: '/api/platforms', headers: { ...json, 'content-encoding': 'gzip' }, body: gzipSync(body) });
    expect(gzipped.status).toBe(201);
    expect(gzipped.json).toMatchObject(valid);
  });

  it('answers-what-the-contract-declares-for-query-slash-head-and-options', async () => {
    expect((await send(app.restUrl, { path: '/api/platforms?foo=bar' })).status).toBe(400);
    expect((await send(app.restUrl, { path: '/api/platforms/' })).status).toBe(404);
    const head = await send(app.restUrl, { method: 'HEAD', path: '/api/platforms/1' });
    expect(head).toMatchObject({ status: 200, text: '' });
    const options = await send(app.restUrl, { method: 'OPTIONS', path: '/api/platforms' });
    expect(options.status).toBe(204);
    expect(options.headers.allow).toBe('GET, HEAD, POST, OPTIONS');
    expect((await send(app.restUrl, { method: 'PATCH', path: '/api/platforms/1' })).headers.allow).toBe('GET, HEAD, PUT, DELETE, OPTIONS');
  });
});
