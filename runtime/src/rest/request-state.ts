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
  /** Adds fields to every later line about the request (`log`'s, and the access line). */
  bind(fields: Readonly<Record<string, unknown>>): void;
  /**
   * While `log` has not been made: the logger it would be a child of, and the fields it would
   * bind (the request id first). A line about the request written through it carries the fields
   * itself (the access log does so). Undefined once `log` has been made.
   */
  readonly unbound: { readonly logger: Logger; readonly fields: Readonly<Record<string, unknown>> } | undefined;
}

/**
 * A request's state whose `log` is the child of `root` bound to its fields, made on first use. A
 * class rather than an object literal with accessors: V8 builds such a literal through its slow
 * path on every request (bench: about 1 % of a read by id), a class instance through its fast one.
 */
class LazyRequestState implements RequestState {
  readonly requestId: string;
  readonly #root: Logger;
  #log: Logger | undefined;
  #fields: Readonly<Record<string, unknown>>;

  constructor(root: Logger, requestId: string) {
    this.requestId = requestId;
    this.#root = root;
    this.#log = undefined;
    this.#fields = { requestId };
  }

  get log(): Logger {
    this.#log ??= this.#root.child(this.#fields);
    return this.#log;
  }

  set log(value: Logger) {
    this.#log = value;
  }

  bind(more: Readonly<Record<string, unknown>>): void {
    if (this.#log === undefined) this.#fields = { ...this.#fields, ...more };
    else this.#log = this.#log.child(more);
  }

  get unbound(): RequestState['unbound'] {
    return this.#log === undefined ? { logger: this.#root, fields: this.#fields } : undefined;
  }
}

/** A request's state whose `log` is the child of `root` bound to `requestId`, made on first use. */
export function lazyRequestState(root: Logger, requestId: string): RequestState {
  return new LazyRequestState(root, requestId);
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
export function requestPath(req: Pick<Request, 'originalUrl'>): string {
  const url = req.originalUrl;
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  return uriSafe.test(path) ? path : path.replace(/%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/gu, (char) => encodeURIComponent(char));
}

/** RFC 3986 path characters, with `%` only as the start of an escape. */
const uriSafe = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/;
