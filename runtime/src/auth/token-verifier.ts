/**
 * Verifies bearer JWTs against an issuer's published keys (JWKS). `jose` does the cryptography
 * and the claim checks; this file only configures it and sorts its failures into two kinds:
 * the token is not acceptable (`unauthenticated`, answered 401) or the keys cannot be had right
 * now (`unavailable`, answered 503: the token may be fine, nobody can tell).
 */
import { createRemoteJWKSet, customFetch, errors, jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import { AppError, errorCodes } from '../errors/index.ts';
import { nodeFetch } from '../http/index.ts';
import { grantedScopes } from './scopes.ts';

/** The only signature algorithms accepted: asymmetric, so a public key can never serve as an HMAC secret. */
export const acceptedAlgorithms = ['RS256', 'ES256'] as const;

export interface TokenVerifierOptions {
  /** The issuer's JSON Web Key Set (http or https). Fetched on the first token, then cached. Required. */
  readonly jwksUrl: string;
  /** The `iss` every token must carry. Required. */
  readonly issuer: string;
  /** The `aud` every token must carry (one of its values when it is a list). Required. */
  readonly audience: string;
  /** Leeway for `exp` and `nbf`, in seconds, for clocks that disagree a little. Default 30; 0 to 300. */
  readonly clockToleranceSeconds?: number;
  /**
   * How long after a successful fetch of the keys a token with an unknown `kid` may not cause
   * another fetch, in ms (bounds the fetches a stream of made-up `kid`s can cause). Default 30000.
   */
  readonly refetchCooldownMs?: number;
  /** How long fetched keys are used before they are fetched again, in ms. Default 600000 (10 min). */
  readonly cacheMaxAgeMs?: number;
  /** Longest wait for the key set, in ms. Default 5000. */
  readonly fetchTimeoutMs?: number;
  /**
   * Verified tokens remembered, so a client sending the same token again costs no signature check
   * (an RS256 verification was the largest share of a write's CPU). Each is remembered until its
   * `exp` and at most `cacheMaxAgeMs` (so never past the keys it was checked with); the oldest
   * goes first beyond this many. Only successful verifications are remembered. Default 1000; 0 turns it off.
   */
  readonly verifiedTokens?: number;
}

/** What a verified token says about its bearer. */
export interface VerifiedToken {
  /** `sub`, when the token has one. */
  readonly subject: string | undefined;
  /** From `scope` (space-separated) and `scp` (array). */
  readonly scopes: ReadonlySet<string>;
}

/** The state of the issuer's keys, for /readyz. */
export interface KeySetState {
  /** `not fetched yet`, `fetched`, or `unreachable: <why>` after the last fetch failed. */
  readonly keys: string;
}

export interface TokenVerifier {
  /** The issuer and audience tokens must name. */
  readonly issuer: string;
  readonly audience: string;
  /**
   * Verifies a compact JWT: signature by a key of the set (RS256 or ES256 only), `iss`, `aud`,
   * `exp` (required) and `nbf`. Throws AppError `unauthenticated` with a reason safe to show
   * (`the token has expired`), or `unavailable` when the key set cannot be fetched.
   */
  verify(token: string): Promise<VerifiedToken>;
  state(): KeySetState;
}

/** Creates a verifier; the key set is fetched lazily, so creating one never waits for the issuer. */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const jwksUrl = URL.canParse(options?.jwksUrl) ? new URL(options.jwksUrl) : fail(`jwksUrl must be an absolute URL (got ${JSON.stringify(options?.jwksUrl)})`);
  if (jwksUrl.protocol !== 'https:' && jwksUrl.protocol !== 'http:') fail(`jwksUrl must be an http or https URL (got ${jwksUrl.protocol})`);
  const issuer = typeof options.issuer === 'string' && options.issuer.trim() !== '' ? options.issuer : fail('issuer must be a non-empty string');
  const audience = typeof options.audience === 'string' && options.audience.trim() !== '' ? options.audience : fail('audience must be a non-empty string');
  const clockTolerance = bounded(options.clockToleranceSeconds, 30, 0, 300, 'clockToleranceSeconds');
  const cooldownDuration = bounded(options.refetchCooldownMs, 30_000, 0, 3_600_000, 'refetchCooldownMs');
  const cacheMaxAge = bounded(options.cacheMaxAgeMs, 600_000, 0, 86_400_000, 'cacheMaxAgeMs');
  const timeoutDuration = bounded(options.fetchTimeoutMs, 5000, 1, 60_000, 'fetchTimeoutMs');
  const remembered = createVerifiedTokenCache(bounded(options.verifiedTokens, 1000, 0, 1_000_000, 'verifiedTokens'), cacheMaxAge);

  let keys = 'not fetched yet';
  // Every failure to get a usable key set surfaces as KeySetUnavailable, whatever step failed.
  const fetchKeySet: typeof fetch = async (url, init) => {
    try {
      const response = await nodeFetch(url, init);
      if (response.status !== 200) throw new Error(`the key set answered HTTP ${response.status}`);
      const body = (await response.json().catch(() => undefined)) as { keys?: unknown } | undefined;
      if (!Array.isArray(body?.keys)) throw new Error('the key set is not a JSON Web Key Set (no "keys" list)');
      keys = 'fetched';
      return Response.json(body);
    } catch (error) {
      const why = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutDuration} ms` : error instanceof Error ? error.message : String(error);
      keys = `unreachable: ${why}`;
      throw new KeySetUnavailable(why, { cause: error });
    }
  };
  // Made with the first token: jose's key set builds a `Headers` at once, which loads Node's fetch
  // implementation (undici, about 1 MB of heap); a part that is never sent a token never needs it (issue 18, idle RSS).
  let keySet: JWTVerifyGetKey | undefined;
  const keySetOnce = (): JWTVerifyGetKey => (keySet ??= createRemoteJWKSet(jwksUrl, { cooldownDuration, cacheMaxAge, timeoutDuration, [customFetch]: fetchKeySet }));

  return {
    issuer,
    audience,
    async verify(token) {
      const known = remembered.get(token);
      if (known !== undefined) return known;
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keySetOnce(), { issuer, audience, clockTolerance, algorithms: [...acceptedAlgorithms], requiredClaims: ['exp'] }));
      } catch (error) {
        if (error instanceof KeySetUnavailable || error instanceof errors.JWKSInvalid) {
          throw new AppError(errorCodes.unavailable, `cannot check the token: the issuer's keys cannot be fetched (${error.message})`, { cause: error });
        }
        throw new AppError(errorCodes.unauthenticated, rejection(error));
      }
      const verified = { subject: typeof payload.sub === 'string' ? payload.sub : undefined, scopes: grantedScopes(payload) };
      // `exp` is a required claim, so jose has checked it is a number.
      remembered.set(token, verified, (payload.exp as number) * 1000);
      return verified;
    },
    state: () => ({ keys }),
  };
}

interface VerifiedTokenCache {
  get(token: string): VerifiedToken | undefined;
  set(token: string, verified: VerifiedToken, expiresAtMs: number): void;
}

/** Verified tokens until they expire (or `maxAgeMs` after verification), at most `size`, oldest out first. */
function createVerifiedTokenCache(size: number, maxAgeMs: number): VerifiedTokenCache {
  const entries = new Map<string, { readonly verified: VerifiedToken; readonly until: number }>();
  return {
    get(token) {
      const entry = entries.get(token);
      if (entry === undefined) return undefined;
      if (Date.now() < entry.until) return entry.verified;
      entries.delete(token);
      return undefined;
    },
    set(token, verified, expiresAtMs) {
      if (size === 0) return;
      const until = Math.min(expiresAtMs, Date.now() + maxAgeMs);
      if (!(until > Date.now())) return;
      if (entries.size >= size) entries.delete(entries.keys().next().value as string);
      entries.set(token, { verified, until });
    },
  };
}

/** Raised by the key-set fetch, so a failure to get keys is never taken for a bad token. */
class KeySetUnavailable extends Error {
  override readonly name = 'KeySetUnavailable';
}

/**
 * Why a token was refused, in words safe to send back (RFC 6750 `error_description`): never the
 * token, nor a claim's value, only which check failed.
 */
function rejection(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'the token is not valid yet';
    if (error.claim === 'iss') return 'the token is from another issuer';
    if (error.claim === 'aud') return 'the token is for another audience';
    if (error.claim === 'exp') return 'the token has no valid expiry (exp)';
    return `the token's ${error.claim} claim is not valid`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return `the token is not signed with ${acceptedAlgorithms.join(' or ')}`;
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return "the token's key is not one of the issuer's keys";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "the token's signature does not verify";
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'the token is not a well-formed JWT';
  return 'the token cannot be verified';
}

function fail(why: string): never {
  throw new AppError(errorCodes.invalidArgument, `cannot create token verifier: ${why}`);
}

function bounded(value: number | undefined, fallback: number, min: number, max: number, name: string): number {
  if (value === undefined) return fallback;
  return Number.isFinite(value) && value >= min && value <= max ? value : fail(`${name} must be a number from ${min} to ${max} (got ${value})`);
}
