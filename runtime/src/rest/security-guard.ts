/**
 * Enforces one operation's `security`, as the generated route table carries it from the
 * contract, before anything else touches the request (its body is not even read when the call
 * is refused). Answers RFC 6750 challenges as problem+json:
 * - 401 `WWW-Authenticate: Bearer realm="<service>"` when no bearer token was sent;
 * - 401 with `error="invalid_token"` when the token is malformed or fails verification;
 * - 403 with `error="insufficient_scope"` and the `scope` needed when the token lacks it;
 * - 503 when the issuer's keys cannot be fetched, so the token cannot be checked.
 * The token itself is never logged, echoed or kept; the request logger gains the token's `sub`.
 */
import type { RequestHandler } from 'express';
import { readBearerToken } from '../auth/bearer-token.ts';
import type { TokenVerifier, VerifiedToken } from '../auth/token-verifier.ts';
import { isAppError } from '../errors/index.ts';
import { problem, sendProblem } from './problem.ts';
import type { Problem } from './problem.ts';
import { requestPath, requestState } from './request-state.ts';
import type { RequestState } from './request-state.ts';
import type { SecurityRequirement } from './surface.ts';

export interface SecurityGuardOptions {
  /** `realm` of the challenges: the service name. Letters, digits and `.-_` only. */
  readonly realm: string;
  /** The operation's security from the route table; must not be empty (open operations get no guard). */
  readonly security: readonly SecurityRequirement[];
  readonly verifier: TokenVerifier;
}

const safeParameter = /^[A-Za-z0-9 .:_\-/'(),]*$/;

/** A refused call: the problem to answer, with the challenge for `WWW-Authenticate` (none on a 503). */
export interface Refusal {
  readonly problem: Problem;
  readonly challenge: string | undefined;
}

/**
 * The check of one secured operation: undefined lets the call through (the request logger gains
 * the token's `sub`), a refusal says what to answer. An unexpected verifier failure is thrown.
 */
export type SecurityCheck = (authorization: string | undefined, state: RequestState) => Promise<Refusal | undefined>;

/** Compiles the check of one secured operation (the guard's, and the REST fast path's). */
export function securityCheck(options: SecurityGuardOptions): SecurityCheck {
  const { realm, security, verifier } = options;
  if (!/^[\w.-]+$/.test(realm ?? '')) throw new Error(`cannot create security guard: realm must be letters, digits, ".", "-" or "_" (got ${JSON.stringify(realm)})`);
  if (!Array.isArray(security) || security.length === 0) throw new Error('cannot create security guard: the operation has no security requirement');
  if (typeof verifier?.verify !== 'function') throw new Error('cannot create security guard: verifier must be a TokenVerifier');
  const alternatives = security.map((requirement) => [...new Set(Object.keys(requirement).flatMap((scheme) => requirement[scheme] ?? []))]);

  const challenge = (parameters: Record<string, string>): string =>
    ['Bearer', Object.entries({ realm, ...parameters }).map(([name, value]) => {
      if (!safeParameter.test(value)) throw new Error(`cannot write the ${name} of a challenge: it has characters a quoted string here must not have`);
      return `${name}="${value}"`;
    }).join(', ')].join(' ');
  const refuse = (status: 401 | 403, detail: string, parameters: Record<string, string> = {}): Refusal => ({ problem: problem(status, detail), challenge: challenge(parameters) });

  return async (authorization, state) => {
    const credentials = readBearerToken(authorization);
    if (credentials.kind === 'none') return refuse(401, 'cannot authenticate the request: it has no bearer token (send Authorization: Bearer <token>)');
    if (credentials.kind === 'malformed') {
      state.log.debug({ reason: credentials.why }, 'request refused: malformed bearer token');
      return refuse(401, `cannot authenticate the request: ${credentials.why}`, { error: 'invalid_token', error_description: credentials.why });
    }
    let token: VerifiedToken;
    try {
      token = await verifier.verify(credentials.token);
    } catch (error) {
      if (isAppError(error, 'unauthenticated')) {
        state.log.debug({ reason: error.message }, 'request refused: invalid bearer token');
        return refuse(401, `cannot authenticate the request: ${error.message}`, { error: 'invalid_token', error_description: error.message });
      }
      if (isAppError(error, 'unavailable')) {
        state.log.warn({ reason: error.message }, 'cannot check a bearer token: the issuer keys cannot be fetched');
        return { problem: problem(503, "cannot check the token: the issuer's keys cannot be fetched; try again later"), challenge: undefined };
      }
      throw error;
    }
    if (token.subject !== undefined) state.bind({ subject: token.subject });
    if (alternatives.some((scopes) => scopes.every((scope) => token.scopes.has(scope)))) return undefined;
    const needed = alternatives[0] ?? [];
    const missing = needed.filter((scope) => !token.scopes.has(scope));
    const description = `the token lacks the scope ${missing.join(' and ')}`;
    state.log.debug({ missing }, 'request refused: missing scope');
    return refuse(403, `cannot authorize the request: ${description}`, { error: 'insufficient_scope', error_description: description, scope: needed.join(' ') });
  };
}

/** The middleware of one secured operation, from its check. */
export function securityGuard(check: SecurityCheck): RequestHandler {
  return async (req, res, next) => {
    const state = requestState(res);
    const refusal = await check(req.headers.authorization, state);
    if (refusal === undefined) return next();
    if (refusal.challenge !== undefined) res.setHeader('www-authenticate', refusal.challenge);
    sendProblem(res, refusal.problem, { instance: requestPath(req), requestId: state.requestId });
  };
}
