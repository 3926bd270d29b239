/**
 * A local token issuer for development and tests, never for production: it serves its public
 * keys as a JSON Web Key Set on the loopback interface and signs JWTs with its private keys
 * (`jose` does the signing). `npm run dev-token` runs one; the authentication tests run one
 * per suite. Reach it as `@platform/runtime/auth/local-issuer`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, importJWK } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { AppError, errorCodes } from '../errors/index.ts';

export type { JWK } from 'jose';

export type SigningAlgorithm = 'RS256' | 'ES256';

/** Path of the key set on the issuer's listener. */
export const jwksPath = '/.well-known/jwks.json';

export interface LocalIssuerOptions {
  /** Port on 127.0.0.1 (the only interface it listens on). Default 0: a free port. */
  readonly port?: number;
  /** Audience of the tokens it signs unless told otherwise. Default `contract-first-platform`. */
  readonly audience?: string;
  /**
   * The `iss` of its tokens. Default `http://127.0.0.1:<port>`, its own address; another one lets a
   * second process sign for an issuer already serving on a known port.
   */
  readonly issuer?: string;
  /**
   * Private signing keys to start from (JWKs with `kid` and `alg`, as `exportKeys()` gives them),
   * so tokens survive a restart. Default: one new RS256 key.
   */
  readonly keys?: readonly JWK[];
}

export interface TokenOptions {
  /** `scope` claim (space-separated). */
  readonly scope?: string;
  /** `scp` claim (array). */
  readonly scp?: readonly string[];
  /** `sub`. Default `local-developer`. */
  readonly subject?: string;
  /** `iss`. Default this issuer. */
  readonly issuer?: string;
  /** `aud`. Default the issuer's audience. */
  readonly audience?: string;
  /** Seconds from now until `exp` (negative: already expired). Default 3600. */
  readonly expiresInSeconds?: number;
  /** Seconds from now until `nbf`. Default: no `nbf`. */
  readonly notBeforeInSeconds?: number;
  /** Key to sign with. Default the newest. */
  readonly kid?: string;
  /** Sign with a new key that is not published, under the newest key's `kid`: a forged signature. */
  readonly unpublishedKey?: boolean;
}

export interface LocalIssuer {
  /** `http://127.0.0.1:<port>/.well-known/jwks.json`. */
  readonly jwksUrl: string;
  /** The `iss` of its tokens: `http://127.0.0.1:<port>` unless given. */
  readonly issuer: string;
  readonly audience: string;
  /** How many times the key set was fetched (tests see caching and refetching). */
  readonly fetches: number;
  /** Signs a JWT; see TokenOptions for the defaults. */
  sign(options?: TokenOptions): Promise<string>;
  /** Adds a signing key, published from now on and used by `sign` by default (a key rotation); returns its kid. */
  addKey(algorithm?: SigningAlgorithm): Promise<string>;
  /** The published public keys. */
  publicKeys(): JWK[];
  /** The private keys, to persist and pass back as `keys`. */
  exportKeys(): Promise<JWK[]>;
  /** Stops serving the key set (fetches then fail: connection refused). */
  close(): Promise<void>;
}

interface SigningKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

async function newKey(alg: SigningAlgorithm): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `${alg.toLowerCase()}-${crypto.randomUUID()}`;
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

async function importKey(jwk: JWK): Promise<SigningKey> {
  const alg: SigningAlgorithm | undefined = jwk.alg === 'RS256' ? 'RS256' : jwk.alg === 'ES256' ? 'ES256' : undefined;
  if (alg === undefined || typeof jwk.kid !== 'string' || jwk.d === undefined) {
    throw new AppError(errorCodes.invalidArgument, 'cannot start the local issuer: each key must be a private JWK with a kid and alg RS256 or ES256');
  }
  const privateKey = (await importJWK(jwk, alg, { extractable: true })) as CryptoKey;
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk;
  return { kid: jwk.kid, alg, privateKey, publicJwk: { ...publicJwk, use: 'sig', key_ops: undefined, ext: undefined } };
}

/** Starts a local issuer on 127.0.0.1. */
export async function startLocalIssuer(options: LocalIssuerOptions = {}): Promise<LocalIssuer> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new AppError(errorCodes.invalidArgument, `cannot start the local issuer: port must be 0 to 65535 (got ${port})`);
  const audience = options.audience ?? 'contract-first-platform';
  const keys = options.keys?.length ? await Promise.all(options.keys.map(importKey)) : [await newKey('RS256')];
  let fetches = 0;

  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === jwksPath) {
      fetches += 1;
      res.writeHead(200, { 'content-type': 'application/jwk-set+json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ keys: keys.map((key) => key.publicJwk) }));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = options.issuer ?? origin;

  return {
    jwksUrl: `${origin}${jwksPath}`,
    issuer,
    audience,
    get fetches() {
      return fetches;
    },
    async sign(token = {}) {
      const newest = keys.at(-1)!;
      const key = token.kid === undefined ? newest : keys.find((candidate) => candidate.kid === token.kid);
      if (!key) throw new AppError(errorCodes.invalidArgument, `cannot sign: no key ${token.kid}`);
      const signingKey = token.unpublishedKey ? (await newKey(key.alg)).privateKey : key.privateKey;
      const now = Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = {};
      if (token.scope !== undefined) claims.scope = token.scope;
      if (token.scp !== undefined) claims.scp = [...token.scp];
      const jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
        .setIssuer(token.issuer ?? issuer)
        .setAudience(token.audience ?? audience)
        .setSubject(token.subject ?? 'local-developer')
        .setIssuedAt(now)
        .setExpirationTime(now + (token.expiresInSeconds ?? 3600));
      if (token.notBeforeInSeconds !== undefined) jwt.setNotBefore(now + token.notBeforeInSeconds);
      return jwt.sign(signingKey);
    },
    async addKey(algorithm = 'RS256') {
      const key = await newKey(algorithm);
      keys.push(key);
      return key.kid;
    },
    publicKeys: () => keys.map((key) => ({ ...key.publicJwk })),
    exportKeys: () => Promise.all(keys.map(async (key) => ({ ...(await exportJWK(key.privateKey)), kid: key.kid, alg: key.alg }))),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
