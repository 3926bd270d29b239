/**
 * Test support for authentication, reached as `@platform/runtime/auth/testing`: tokens that must
 * be refused (forged ones included), and one suite every protected API runs, directly and through
 * the gateway: `describeWriteProtection`.
 */
import { SignJWT, exportSPKI, importJWK } from 'jose';
import type { CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalIssuer } from './local-issuer.ts';
import type { LocalIssuer } from './local-issuer.ts';

/** `{"alg":"none"}` and the claims of a valid token, with an empty signature. */
export function unsignedToken(claims: Record<string, unknown>): string {
  return `${base64urlJson({ alg: 'none', typ: 'JWT' })}.${base64urlJson(claims)}.`;
}

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The claims of a token as its issuer wrote them (no verification: for building forgeries). */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The classic key-confusion forgery: HS256 with the issuer's public key (PEM) as the HMAC secret. */
export async function hmacWithPublicKey(issuer: LocalIssuer, claims: Record<string, unknown>): Promise<string> {
  const jwk = issuer.publicKeys().at(-1)!;
  const pem = await exportSPKI((await importJWK(jwk, jwk.alg, { extractable: true })) as CryptoKey);
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: jwk.kid, typ: 'JWT' }).sign(new TextEncoder().encode(pem));
}

/** The AUTH_* variables that point a part at `issuer`; the key set may be fetched again at once on an unknown kid. */
export function authEnvFor(issuer: LocalIssuer): Record<string, string> {
  return { AUTH_JWKS_URL: issuer.jwksUrl, AUTH_ISSUER: issuer.issuer, AUTH_AUDIENCE: issuer.audience, AUTH_JWKS_COOLDOWN: '0' };
}

/** One protected API as the suite drives it. */
export interface ProtectedApi {
  /** A valid write (right body, existing parent): 201 with a good token. */
  write(authorization: string | undefined): Promise<Response>;
  /** A read that needs no token: 200. */
  read(): Promise<Response>;
  /** A number that every accepted write changes and a refused one must not (rows, and published events where there are any). */
  footprint(): Promise<string>;
  /** Every log line written so far by the parts serving this API. */
  logs(): readonly string[];
}

export interface WriteProtectionTarget {
  /** `platform-service directly`, `commands-service through the gateway`, ... */
  readonly name: string;
  /** The scope the write needs. */
  readonly scope: string;
  /** The `realm` of the challenges (the service's name). */
  readonly realm: string;
  /** Starts (or reaches) the API with these AUTH_* variables set. */
  start(authEnv: Record<string, string>): Promise<ProtectedApi & { stop(): Promise<void> }>;
}

async function problemOf(response: Response): Promise<Record<string, unknown>> {
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await response.json()) as Record<string, unknown>;
}

/**
 * The suite: valid tokens in both scope forms pass; no token, a malformed one, another issuer or
 * audience, expired, not yet valid, a wrong key, `alg: none`, HS256 keyed with the public key are
 * 401; a token without the scope is 403; a new `kid` is fetched (key rotation); with the key set
 * unreachable writes are 503 and reads still work. Refused writes change nothing and no token
 * reaches a log line.
 */
export function describeWriteProtection(target: WriteProtectionTarget): void {
  describe(`write protection: ${target.name}`, () => {
    let issuer: LocalIssuer;
    let api: ProtectedApi & { stop(): Promise<void> };
    const tokensSent: string[] = [];
    const bearer = (token: string): string => {
      tokensSent.push(token);
      return `Bearer ${token}`;
    };

    beforeAll(async () => {
      issuer = await startLocalIssuer({ audience: `audience-${crypto.randomUUID()}` });
      api = await target.start(authEnvFor(issuer));
    }, 60_000);
    afterAll(async () => {
      await api?.stop();
      await issuer?.close().catch(() => undefined);
    });

    it('accepts-a-valid-token-with-the-scope-in-scope-or-in-scp', async () => {
      const before = await api.footprint();
      expect((await api.write(bearer(await issuer.sign({ scope: `openid ${target.scope}` })))).status).toBe(201);
      expect((await api.write(bearer(await issuer.sign({ scp: ['profile', target.scope] })))).status).toBe(201);
      expect(await api.footprint()).not.toBe(before);
    });

    it('answers-401-with-a-bearer-challenge-when-no-token-is-sent', async () => {
      for (const authorization of [undefined, 'Basic dXNlcjpwYXNz']) {
        const response = await api.write(authorization);
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="${target.realm}"`);
        expect(await problemOf(response)).toMatchObject({ status: 401, title: 'Unauthorized', detail: expect.stringContaining('no bearer token') });
      }
    });

    it('answers-401-invalid-token-for-every-token-that-fails-verification-and-stores-nothing', async () => {
      const before = await api.footprint();
      const valid = claimsOf(await issuer.sign({ scope: target.scope }));
      const refused: [string, string, string][] = [
        ['an empty token', 'Bearer ', 'no token after Bearer'],
        ['a malformed token', 'Bearer not-a-jwt', 'not a well-formed JWT'],
        ['a token with a character tokens cannot have', 'Bearer a"b', 'characters a token cannot have'],
        ['another issuer', bearer(await issuer.sign({ scope: target.scope, issuer: 'https://elsewhere.example' })), 'another issuer'],
        ['another audience', bearer(await issuer.sign({ scope: target.scope, audience: 'another-api' })), 'another audience'],
        ['an expired token', bearer(await issuer.sign({ scope: target.scope, expiresInSeconds: -3600 })), 'expired'],
        ['a token not valid yet', bearer(await issuer.sign({ scope: target.scope, notBeforeInSeconds: 3600 })), 'not valid yet'],
        ['a token signed by another key', bearer(await issuer.sign({ scope: target.scope, unpublishedKey: true })), 'signature does not verify'],
        ['alg none', bearer(unsignedToken(valid)), 'not signed with RS256 or ES256'],
        ['HS256 keyed with the public key', bearer(await hmacWithPublicKey(issuer, valid)), 'not signed with RS256 or ES256'],
      ];
      for (const [what, authorization, reason] of refused) {
        const response = await api.write(authorization);
        const answer = { what, status: response.status, challenge: response.headers.get('www-authenticate'), detail: (await problemOf(response)).detail };
        expect(answer).toEqual({
          what,
          status: 401,
          challenge: expect.stringMatching(new RegExp(`^Bearer realm="${target.realm}", error="invalid_token", error_description="[^"]*${reason}[^"]*"$`)),
          detail: expect.stringContaining(reason),
        });
      }
      expect(await api.footprint()).toBe(before);
    });

    it('answers-403-naming-the-missing-scope-and-stores-nothing', async () => {
      const before = await api.footprint();
      for (const token of [await issuer.sign({ scope: 'openid profile' }), await issuer.sign({ scp: ['other:write'] }), await issuer.sign({})]) {
        const response = await api.write(bearer(token));
        expect(response.status).toBe(403);
        expect(response.headers.get('www-authenticate')).toBe(
          `Bearer realm="${target.realm}", error="insufficient_scope", error_description="the token lacks the scope ${target.scope}", scope="${target.scope}"`,
        );
        expect(await problemOf(response)).toMatchObject({ status: 403, title: 'Forbidden', detail: `cannot authorize the request: the token lacks the scope ${target.scope}` });
      }
      expect(await api.footprint()).toBe(before);
    });

    it('keeps-reads-open', async () => {
      expect((await api.read()).status).toBe(200);
    });

    it('fetches-the-key-set-again-for-a-new-kid-key-rotation-and-accepts-es256', async () => {
      const kid = await issuer.addKey('ES256');
      expect((await api.write(bearer(await issuer.sign({ kid, scope: target.scope })))).status).toBe(201);
    });

    it('answers-503-for-writes-when-the-key-set-cannot-be-fetched-and-keeps-reads-working', async () => {
      const cached = await issuer.sign({ scope: target.scope });
      await issuer.close();
      const rotated = await issuer.addKey('RS256');
      const before = await api.footprint();
      const response = await api.write(bearer(await issuer.sign({ kid: rotated, scope: target.scope })));
      expect(response.status).toBe(503);
      expect(await problemOf(response)).toMatchObject({ status: 503, detail: "cannot check the token: the issuer's keys cannot be fetched; try again later" });
      expect(await api.footprint()).toBe(before);
      expect((await api.read()).status).toBe(200);
      // Keys fetched before the issuer went away still verify the tokens they signed.
      expect((await api.write(bearer(cached))).status).toBe(201);
    });

    it('never-writes-a-token-to-a-log-line', () => {
      const lines = api.logs();
      expect(lines.length).toBeGreaterThan(0);
      const leaked = tokensSent.flatMap((token) => [token, token.split('.')[2] ?? token].filter((part) => part.length > 8)).filter((secret) => lines.some((line) => line.includes(secret)));
      expect(leaked).toEqual([]);
    });
  });
}
