import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gadgetsForTests, send, startGadgets } from './gadgets.fixture.ts';

const body = JSON.stringify({ name: 'Gizmo' });
const json = { 'content-type': 'application/json' };

describe('request bodies: where declared, JSON, in a coding the server decodes', () => {
  const s = gadgetsForTests();

  it('decodes-gzip-deflate-and-brotli-bodies', async () => {
    const encoded = { gzip: gzipSync(body), deflate: deflateSync(body), br: brotliCompressSync(body), identity: Buffer.from(body), 'GZIP': gzipSync(body) };
    for (const [encoding, bytes] of Object.entries(encoded)) {
      const answer = await send(s.base, { method: 'POST', path: '/gadgets', headers: { ...json, 'content-encoding': encoding }, body: bytes });
      expect({ encoding, status: answer.status, body: answer.json?.body }).toEqual({ encoding, status: 201, body: { name: 'Gizmo' } });
    }
  });

  it('answers-400-when-the-bytes-are-not-what-the-content-encoding-says', async () => {
    for (const encoding of ['gzip', 'br', 'deflate']) {
      const answer = await send(s.base, { method: 'POST', path: '/gadgets', headers: { ...json, 'content-encoding': encoding }, body });
      expect({ status: answer.status, detail: answer.json?.detail }).toEqual({ status: 400, detail: `The request body is not valid ${encoding} data.` });
    }
    const truncated = gzipSync(body).subarray(0, 12);
    expect((await send(s.base, { method: 'POST', path: '/gadgets', headers: { ...json, 'content-encoding': 'gzip' }, body: truncated })).status).toBe(400);
    expect(s.calls).toEqual([]);
  });

  it('answers-415-with-accept-encoding-for-an-unknown-or-stacked-coding', async () => {
    for (const encoding of ['zstd', 'compress', 'x-unknown', 'gzip, gzip', 'gzip, br']) {
      const answer = await send(s.base, { method: 'POST', path: '/gadgets', headers: { ...json, 'content-encoding': encoding }, body });
      expect({ status: answer.status, acceptEncoding: answer.headers['accept-encoding'], detail: answer.json?.detail }).toEqual({
        status: 415,
        acceptEncoding: 'gzip, deflate, br',
        detail: `The request body must be sent as identity, gzip, deflate, br (one coding), not ${encoding}.`,
      });
    }
    expect(s.calls).toEqual([]);
  });

  it('refuses-a-body-that-is-not-utf-8', async () => {
    const latin1 = Buffer.concat([Buffer.from('{"name":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    const surrogateBytes = Buffer.concat([Buffer.from('{"name":"x'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]);
    for (const bytes of [latin1, surrogateBytes]) {
      const answer = await send(s.base, { method: 'POST', path: '/gadgets', headers: json, body: bytes });
      expect(answer.status).toBe(400);
      expect(answer.json?.detail).toBe('The request body is not UTF-8 text.');
    }
  });

  it('refuses-a-body-on-an-operation-that-declares-none-without-reading-it', async () => {
    for (const [headers, payload] of [[json, body], [{ 'content-type': 'text/plain' }, 'x'.repeat(200_000)], [{ 'content-encoding': 'zstd' }, 'zz']] as const) {
      const answer = await send(s.base, { method: 'POST', path: '/gadgets/1/ping', headers, body: payload });
      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({ detail: 'This operation takes no request body.', errors: [{ field: '', in: 'body', message: 'must be empty' }] });
    }
    expect((await send(s.base, { method: 'GET', path: '/gadgets/1', headers: json, body })).status).toBe(400);
    expect(s.calls).toEqual([]);
    const empty = await send(s.base, { method: 'POST', path: '/gadgets/1/ping', headers: { 'content-length': '0' } });
    expect(empty.status).toBe(200);
  });

  it('applies-the-size-limit-to-the-decoded-body', async () => {
    const small = await startGadgets({ bodyLimit: '1kb' });
    try {
      const bomb = gzipSync(JSON.stringify({ name: 'x'.repeat(50_000) }));
      expect(bomb.length).toBeLessThan(1024);
      const answer = await send(small.base, { method: 'POST', path: '/gadgets', headers: { ...json, 'content-encoding': 'gzip' }, body: bomb });
      expect(answer.status).toBe(413);
    } finally {
      await small.close();
    }
  });
});
