import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { requireJsonBody } from './content-type.ts';
import { serveTestApp } from './test-app.ts';
import type { TestApp } from './test-app.ts';

let served: TestApp | undefined;
afterEach(() => served?.close());

async function serve(): Promise<string> {
  served = await serveTestApp((app) => {
    app.use(express.json());
    app.use(requireJsonBody());
    app.post('/', (req, res) => void res.json({ body: req.body ?? null }));
  });
  return served.base;
}

describe('requireJsonBody middleware', () => {
  it('lets JSON bodies through, with or without a charset', async () => {
    const base = await serve();
    for (const type of ['application/json', 'application/json; charset=utf-8']) {
      const response = await fetch(base, { method: 'POST', body: '{"a":1}', headers: { 'content-type': type } });
      expect(await response.json()).toEqual({ body: { a: 1 } });
    }
  });

  it('lets requests without a body through', async () => {
    const base = await serve();
    const response = await fetch(base, { method: 'POST' });
    expect(response.status).toBe(200);
  });

  it('answers other body types with a 415 problem', async () => {
    const base = await serve();
    const response = await fetch(base, { method: 'POST', body: '<a/>', headers: { 'content-type': 'application/xml' } });
    expect(response.status).toBe(415);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status: 415, detail: 'The request body must be application/json, not application/xml.' });
  });
});
