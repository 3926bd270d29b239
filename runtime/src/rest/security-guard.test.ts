/**
 * The contract's security enforced by createRestServer over the runtime's secured fixture contract
 * (runtime/fixtures/openapi/secured-catalogue.yaml, in-memory handlers): the shared write-protection
 * suite, then what only the binder decides:
 * the order of checks, open operations, `'off'`, and refusing to start unconfigured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { securedCatalogueSurface } from '../generated/fixtures/openapi/secured-catalogue/server.ts';
import type { Platform, SecuredCatalogueHandlers } from '../generated/fixtures/openapi/secured-catalogue/server.ts';
import { createTokenVerifier } from '../auth/index.ts';
import { startLocalIssuer } from '../auth/local-issuer.ts';
import type { LocalIssuer } from '../auth/local-issuer.ts';
import { describeWriteProtection } from '../auth/testing.ts';
import { createRestServer } from './index.ts';
import type { RestServerOptions } from './index.ts';

function inMemoryHandlers() {
  const platforms: Platform[] = [];
  return {
    platforms,
    handlers: {
      async listPlatforms() {
        return { status: 200, body: platforms };
      },
      async createPlatform({ body }) {
        const platform = { id: platforms.length + 1, ...body };
        platforms.push(platform);
        return { status: 201, body: platform, headers: { location: `/api/platforms/${platform.id}` } };
      },
      async getPlatformById({ params }) {
        const platform = platforms.find((p) => p.id === params.id);
        return platform ? { status: 200, body: platform } : { status: 404, body: { type: 'about:blank', title: 'Not Found', status: 404 } };
      },
    } satisfies SecuredCatalogueHandlers,
  };
}

async function serve(authentication: RestServerOptions<SecuredCatalogueHandlers>['authentication']) {
  const lines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
  const { platforms, handlers } = inMemoryHandlers();
  const server = createRestServer({ surface: securedCatalogueSurface, handlers, logger, validateResponses: true, authentication });
  const { port } = await server.listen(0, '127.0.0.1');
  return { base: `http://127.0.0.1:${port}`, platforms, lines, close: () => server.close() };
}

const body = JSON.stringify({ name: 'Go', publisher: 'Google', cost: 'Free' });

describeWriteProtection({
  name: 'createRestServer over the secured catalogue fixture',
  scope: 'catalogue:write',
  realm: 'secured-catalogue',
  async start(env) {
    const served = await serve(createTokenVerifier({ jwksUrl: env.AUTH_JWKS_URL!, issuer: env.AUTH_ISSUER!, audience: env.AUTH_AUDIENCE!, refetchCooldownMs: 0 }));
    return {
      write: (authorization) => fetch(`${served.base}/api/platforms`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) } }),
      read: () => fetch(`${served.base}/api/platforms`),
      footprint: async () => String(served.platforms.length),
      logs: () => served.lines,
      stop: served.close,
    };
  },
});

describe('createRestServer with authentication on', () => {
  let issuer: LocalIssuer;
  let served: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    issuer = await startLocalIssuer();
    served = await serve(createTokenVerifier({ jwksUrl: issuer.jwksUrl, issuer: issuer.issuer, audience: issuer.audience }));
  });
  afterAll(async () => {
    await served?.close();
    await issuer?.close();
  });

  it('refuses-before-reading-the-body-so-401-wins-over-415-413-and-400', async () => {
    const cases = [
      { body: '<a/>', headers: { 'content-type': 'application/xml' } },
      { body: 'x'.repeat(200_000), headers: { 'content-type': 'application/json' } },
      { body: '{"name":""}', headers: { 'content-type': 'application/json' } },
    ];
    for (const request of cases) expect((await fetch(`${served.base}/api/platforms`, { method: 'POST', ...request })).status).toBe(401);
  });

  it('checks-the-body-once-the-token-is-accepted', async () => {
    const token = await issuer.sign({ scope: 'catalogue:write' });
    const response = await fetch(`${served.base}/api/platforms`, { method: 'POST', body: '{"name":""}', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
    expect(response.status).toBe(400);
  });

  it('binds-the-token-subject-to-the-request-log-lines', async () => {
    const token = await issuer.sign({ scope: 'catalogue:write', subject: 'alice@example' });
    const response = await fetch(`${served.base}/api/platforms`, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': 'who-wrote' } });
    expect(response.status).toBe(201);
    await expect.poll(() => served.lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.requestId === 'who-wrote' && line.msg === 'request completed')).toMatchObject({ subject: 'alice@example', status: 201 });
  });

  it('reports-authentication-on-in-readyz-with-the-state-of-the-keys', async () => {
    const readyz = (await (await fetch(`${served.base}/readyz`)).json()) as { checks: Record<string, unknown> };
    expect(readyz.checks.authentication).toEqual({ ok: true, detail: `authentication on: bearer tokens from ${issuer.issuer} for ${issuer.audience}; keys fetched` });
  });
});

describe('createRestServer with authentication off', () => {
  it('lets-writes-through-says-so-in-readyz-and-warns-once', async () => {
    const served = await serve('off');
    try {
      expect((await fetch(`${served.base}/api/platforms`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })).status).toBe(201);
      const readyz = (await (await fetch(`${served.base}/readyz`)).json()) as { status: string; checks: Record<string, unknown> };
      expect(readyz).toEqual({ status: 'ok', checks: { authentication: { ok: true, detail: 'authentication off: AUTH_JWKS_URL is not set, so writes are open (development only)' } } });
      const warnings = served.lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((line) => line.level === 40);
      expect(warnings.map((line) => line.msg)).toEqual(['authentication off: AUTH_JWKS_URL is not set, so writes are open (development only)']);
    } finally {
      await served.close();
    }
  });

  it('refuses-to-be-created-without-a-decision-when-the-contract-secures-an-operation', () => {
    expect(() => createRestServer({ surface: securedCatalogueSurface, handlers: inMemoryHandlers().handlers })).toThrow(
      "cannot create REST server for secured-catalogue: authentication is required: the contract secures createPlatform (pass a token verifier, or 'off' in development)",
    );
  });
});
