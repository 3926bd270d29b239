import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../errors/index.ts';
import { startLocalIssuer } from './local-issuer.ts';
import type { LocalIssuer } from './local-issuer.ts';
import { claimsOf, hmacWithPublicKey, unsignedToken } from './testing.ts';
import { createTokenVerifier } from './token-verifier.ts';
import type { TokenVerifierOptions } from './token-verifier.ts';

const issuers: LocalIssuer[] = [];
afterEach(async () => {
  await Promise.all(issuers.splice(0).map((issuer) => issuer.close().catch(() => undefined)));
});

async function issuerAndVerifier(options: Partial<TokenVerifierOptions> = {}) {
  const issuer = await startLocalIssuer();
  issuers.push(issuer);
  const verifier = createTokenVerifier({ jwksUrl: issuer.jwksUrl, issuer: issuer.issuer, audience: issuer.audience, refetchCooldownMs: 0, ...options });
  return { issuer, verifier };
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await promise.then(
    () => expect.unreachable('the token should be refused'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  return { code: (error as AppError).code, message: (error as AppError).message };
}

describe('createTokenVerifier', () => {
  it('verifies-rs256-and-es256-tokens-and-reads-subject-and-scopes', async () => {
    const { issuer, verifier } = await issuerAndVerifier();
    expect(await verifier.verify(await issuer.sign({ subject: 'alice', scope: 'a b' }))).toEqual({ subject: 'alice', scopes: new Set(['a', 'b']) });
    const es256 = await issuer.addKey('ES256');
    expect((await verifier.verify(await issuer.sign({ kid: es256, scp: ['c'] }))).scopes).toEqual(new Set(['c']));
  });

  it('refuses-each-kind-of-bad-token-as-unauthenticated-with-a-reason-that-names-no-value', async () => {
    const { issuer, verifier } = await issuerAndVerifier({ clockToleranceSeconds: 30 });
    const valid = claimsOf(await issuer.sign({ scope: 'x' }));
    const cases: [Promise<string> | string, string][] = [
      ['not-a-jwt', 'the token is not a well-formed JWT'],
      [issuer.sign({ issuer: 'https://evil.example' }), 'the token is from another issuer'],
      [issuer.sign({ audience: 'someone-else' }), 'the token is for another audience'],
      [issuer.sign({ expiresInSeconds: -3600 }), 'the token has expired'],
      [issuer.sign({ notBeforeInSeconds: 3600 }), 'the token is not valid yet'],
      [issuer.sign({ unpublishedKey: true }), "the token's signature does not verify"],
      [unsignedToken(valid), 'the token is not signed with RS256 or ES256'],
      [hmacWithPublicKey(issuer, valid), 'the token is not signed with RS256 or ES256'],
    ];
    for (const [token, message] of cases) {
      expect(await refusal(verifier.verify(await token))).toEqual({ code: 'unauthenticated', message });
    }
  });

  it('remembers-a-verified-token-until-it-expires-and-no-longer', async () => {
    const { issuer, verifier } = await issuerAndVerifier({ clockToleranceSeconds: 0 });
    const token = await issuer.sign({ subject: 'alice', scope: 'a', expiresInSeconds: 60 });
    const first = await verifier.verify(token);
    // The same answer, not a second verification of the signature.
    expect(await verifier.verify(token)).toBe(first);
    vi.useFakeTimers({ now: Date.now() + 61_000, toFake: ['Date'] });
    try {
      expect(await refusal(verifier.verify(token))).toEqual({ code: 'unauthenticated', message: 'the token has expired' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('remembers-at-most-verifiedTokens-and-never-a-refused-one', async () => {
    const { issuer, verifier } = await issuerAndVerifier({ verifiedTokens: 1 });
    const [a, b] = [await issuer.sign({ subject: 'a' }), await issuer.sign({ subject: 'b' })];
    const firstA = await verifier.verify(a);
    expect(await verifier.verify(a)).toBe(firstA);
    await verifier.verify(b);
    expect(await verifier.verify(a)).not.toBe(firstA);
    const expired = await issuer.sign({ expiresInSeconds: -3600 });
    for (let attempt = 0; attempt < 2; attempt++) expect((await refusal(verifier.verify(expired))).message).toBe('the token has expired');
    const forgetful = createTokenVerifier({ jwksUrl: issuer.jwksUrl, issuer: issuer.issuer, audience: issuer.audience, verifiedTokens: 0 });
    const c = await issuer.sign({ subject: 'c' });
    expect(await forgetful.verify(c)).not.toBe(await forgetful.verify(c));
  });

  it('allows-the-clock-tolerance-on-exp-and-nbf', async () => {
    const { issuer, verifier } = await issuerAndVerifier({ clockToleranceSeconds: 60 });
    await expect(verifier.verify(await issuer.sign({ expiresInSeconds: -30 }))).resolves.toBeDefined();
    await expect(verifier.verify(await issuer.sign({ notBeforeInSeconds: 30 }))).resolves.toBeDefined();
  });

  it('caches-the-key-set-and-fetches-it-again-for-an-unknown-kid-once-the-cooldown-allows', async () => {
    const { issuer, verifier } = await issuerAndVerifier();
    await verifier.verify(await issuer.sign());
    await verifier.verify(await issuer.sign());
    expect(issuer.fetches).toBe(1);
    await verifier.verify(await issuer.sign({ kid: await issuer.addKey() }));
    expect(issuer.fetches).toBe(2);
    expect(verifier.state()).toEqual({ keys: 'fetched' });
  });

  it('does-not-fetch-again-within-the-cooldown-so-made-up-kids-cannot-flood-the-issuer', async () => {
    const { issuer, verifier } = await issuerAndVerifier({ refetchCooldownMs: 3_600_000 });
    await verifier.verify(await issuer.sign());
    const kid = await issuer.addKey();
    expect(await refusal(verifier.verify(await issuer.sign({ kid })))).toEqual({ code: 'unauthenticated', message: "the token's key is not one of the issuer's keys" });
    expect(issuer.fetches).toBe(1);
  });

  it('says-unavailable-not-unauthenticated-when-the-key-set-cannot-be-fetched', async () => {
    const { issuer, verifier } = await issuerAndVerifier();
    const token = await issuer.sign();
    await issuer.close();
    const { code, message } = await refusal(verifier.verify(token));
    expect(code).toBe('unavailable');
    expect(message).toMatch(/^cannot check the token: the issuer's keys cannot be fetched \(cannot fetch http:\/\/127\.0\.0\.1:\d+\/\.well-known\/jwks\.json: .*\)$/);
    expect(verifier.state().keys).toMatch(/^unreachable: /);
  });

  it('says-unavailable-when-the-key-set-answers-an-error-or-no-key-set', async () => {
    const { createServer } = await import('node:http');
    const answers = [
      { status: 500, body: 'oops' },
      { status: 200, body: '{"not":"a key set"}' },
    ];
    for (const answer of answers) {
      const server = createServer((_req, res) => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      const issuer = await startLocalIssuer();
      issuers.push(issuer);
      const verifier = createTokenVerifier({ jwksUrl: `http://127.0.0.1:${port}/jwks`, issuer: issuer.issuer, audience: issuer.audience });
      expect((await refusal(verifier.verify(await issuer.sign()))).code).toBe('unavailable');
      server.close();
    }
  });

  it('validates-its-options', () => {
    const base = { jwksUrl: 'https://issuer.example/jwks', issuer: 'https://issuer.example/', audience: 'api' };
    expect(() => createTokenVerifier({ ...base, jwksUrl: 'nope' })).toThrow('cannot create token verifier: jwksUrl must be an absolute URL (got "nope")');
    expect(() => createTokenVerifier({ ...base, jwksUrl: 'file:///etc/keys.json' })).toThrow('jwksUrl must be an http or https URL (got file:)');
    expect(() => createTokenVerifier({ ...base, issuer: ' ' })).toThrow('issuer must be a non-empty string');
    expect(() => createTokenVerifier({ ...base, audience: '' })).toThrow('audience must be a non-empty string');
    expect(() => createTokenVerifier({ ...base, clockToleranceSeconds: 301 })).toThrow('clockToleranceSeconds must be a number from 0 to 300 (got 301)');
    expect(() => createTokenVerifier({ ...base, fetchTimeoutMs: 0 })).toThrow('fetchTimeoutMs must be a number from 1 to 60000 (got 0)');
    expect(createTokenVerifier(base).state()).toEqual({ keys: 'not fetched yet' });
  });
});
