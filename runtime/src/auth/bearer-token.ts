/**
 * Reads the bearer token of a request from its `Authorization` header (RFC 6750 §2.1). Only
 * the header is read: a token in a query parameter would end up in access logs and histories.
 */

/** What the `Authorization` header holds. */
export type BearerCredentials =
  /** No `Authorization` header, or one of another scheme (`Basic ...`): the caller offered no bearer token. */
  | { readonly kind: 'none' }
  /** A `Bearer` header whose token is empty or not of the b64token syntax; `why` is safe to show. */
  | { readonly kind: 'malformed'; readonly why: string }
  | { readonly kind: 'token'; readonly token: string };

/** RFC 6750 b64token: letters, digits and `-._~+/`, then optional `=` padding. */
const b64token = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Parses the header value (undefined when absent; a repeated header arrives as one value joined by Node). */
export function readBearerToken(authorization: string | undefined): BearerCredentials {
  if (authorization === undefined) return { kind: 'none' };
  const match = /^\s*(\S+)(?:\s+(.*))?$/s.exec(authorization);
  if (!match || match[1]!.toLowerCase() !== 'bearer') return { kind: 'none' };
  const token = (match[2] ?? '').trim();
  if (token === '') return { kind: 'malformed', why: 'the Authorization header has no token after Bearer' };
  if (!b64token.test(token)) return { kind: 'malformed', why: 'the bearer token has characters a token cannot have' };
  return { kind: 'token', token };
}
