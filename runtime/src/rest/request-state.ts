/**
 * Per-request state the middleware chain shares, kept in `res.locals` under one symbol so
 * it never collides with application locals.
 */
import type { Request, Response } from 'express';
import type { Logger } from 'pino';

export interface RequestState {
  /** The request id (also the `x-request-id` response header). */
  readonly requestId: string;
  /** Logger bound to this request (made on first use: most requests log only their access line). */
  log: Logger;
  /**
   * The logger `log` is a child of, while `log` has not been made; undefined once it has. A line
   * about the request written through it carries `requestId` itself (the access log does so).
   */
  readonly unboundLog: Logger | undefined;
}

/** A request's state whose `log` is the child of `root` bound to `requestId`, made on first use. */
export function lazyRequestState(root: Logger, requestId: string): RequestState {
  let log: Logger | undefined;
  return {
    requestId,
    get log() {
      log ??= root.child({ requestId });
      return log;
    },
    set log(value) {
      log = value;
    },
    get unboundLog() {
      return log === undefined ? root : undefined;
    },
  };
}

const key = Symbol('platform.rest.request-state');

export function setRequestState(res: Response, state: RequestState): void {
  (res.locals as Record<symbol, RequestState>)[key] = state;
}

/** The state set by the request-id middleware; it runs first, so it is always there for later middleware. */
export function requestState(res: Response): RequestState {
  const state = (res.locals as Record<symbol, RequestState | undefined>)[key];
  if (!state) throw new Error('cannot read request state: the request-id middleware did not run');
  return state;
}

/**
 * The path the request was made to, without the query string (a problem's `instance`), as a valid
 * URI reference: a `%` that starts no escape and any character a URI cannot hold are escaped.
 */
export function requestPath(req: Request): string {
  const url = req.originalUrl;
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  return uriSafe.test(path) ? path : path.replace(/%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/gu, (char) => encodeURIComponent(char));
}

/** RFC 3986 path characters, with `%` only as the start of an escape. */
const uriSafe = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/;
