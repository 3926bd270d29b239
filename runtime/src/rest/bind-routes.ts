import type { ServerResponse } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import { mediaTypes } from './media-types.ts';
import { requestPath, requestState } from './request-state.ts';
import type { RequestState } from './request-state.ts';
import type { Operation } from './operations.ts';
import { matchedOperation } from './route-match.ts';
import type { HandlerContext, RestRequest, RestResult, RestRoute } from './surface.ts';

export type AnyHandler = (request: RestRequest, context: HandlerContext) => Promise<RestResult>;

/**
 * The last step of an operation's compiled pipeline (pipeline.ts): calls its handler with the
 * path parameters route matching found (percent-decoded, as Express's route layer decoded them;
 * one that does not decode is Express's 400), integer ones as numbers.
 */
export function operationHandler(operation: Operation, handler: AnyHandler, options: AnswerOptions = { throughJson: true }): RequestHandler {
  const { route } = operation;
  const integers = operation.integerParameters.map((parameter) => parameter.name);
  return async (req: Request, res: Response) => {
    const matched = matchedOperation(res);
    if (matched?.path.undecodable !== undefined) throw undecodableParameter(matched.path.undecodable);
    const state = requestState(res);
    const params: Record<string, unknown> = { ...matched?.path.parameters };
    for (const name of integers) params[name] = Number(params[name]);
    const request: RestRequest = { params, query: req.query, headers: req.headers, body: req.body };
    const result = await handler(request, handlerContext(state, res));
    sendResult(req, res, route, result, options.throughJson);
  };
}

export interface AnswerOptions {
  /**
   * Answer bodies through Express's `res.json` (response validation, in development and tests,
   * hooks it) rather than written at once with the headers `res.json` would give them.
   */
  readonly throughJson: boolean;
}

/** Express's route layer's error for a path parameter that does not percent-decode (router's decodeParam). */
export function undecodableParameter(raw: string): URIError {
  return Object.assign(new URIError(`Failed to decode param '${raw}'`), { status: 400 });
}

/** A step failing as Express's route layer did, before its first handler, when a path parameter does not decode. */
export function decodablePathParameters(): RequestHandler {
  return (_req, res, next) => {
    const undecodable = matchedOperation(res)?.path.undecodable;
    next(undecodable === undefined ? undefined : undecodableParameter(undecodable));
  };
}

function sendResult(req: Request, res: Response, route: RestRoute<PropertyKey>, result: RestResult, throughJson: boolean): void {
  if (!Object.hasOwn(route.responses, result.status)) {
    throw new Error(`cannot answer ${String(route.operationId)}: status ${result.status} is not declared by the contract`);
  }
  const mediaType = route.responses[result.status];
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    if (value !== undefined) res.setHeader(name, String(value));
  }
  res.status(result.status);
  if (mediaType === null || mediaType === undefined || result.body === undefined) {
    res.end();
    return;
  }
  const body =
    mediaType === mediaTypes.problem ? { instance: requestPath(req), requestId: requestState(res).requestId, ...(result.body as object) } : result.body;
  if (!throughJson && writeJson(req, res, mediaType, body)) return;
  // res.json, not res.send: response validation (development, tests) hooks res.json.
  res.type(mediaType).json(body);
}

/** `application/json; charset=utf-8` for `application/json`: the Content-Type `res.json` gives a plain media type. */
const jsonContentTypes = new Map<string, string>();

/** The Content-Type `res.json` (and `res.send` of a problem's text) gives a media type without parameters. */
export function jsonContentType(mediaType: string): string {
  let contentType = jsonContentTypes.get(mediaType);
  if (contentType === undefined) {
    contentType = `${mediaType.toLowerCase()}; charset=utf-8`;
    jsonContentTypes.set(mediaType, contentType);
  }
  return contentType;
}

/**
 * Writes a JSON answer as `res.json` would (the same status, headers and bytes) in one `end`, the
 * headers and the text in one socket write, without Express's `send` (its content-type parsing,
 * freshness check and, past 1000 characters, a Buffer written apart from the headers). Declines
 * (false) where `send` does more than that: a HEAD, a conditional GET (its 304), a media type
 * with parameters, a value JSON cannot write.
 */
function writeJson(req: Request, res: Response, mediaType: string, body: unknown): boolean {
  const headers = req.headers;
  if (req.method === 'HEAD' || headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined || mediaType.includes(';')) return false;
  const text = JSON.stringify(body) as string | undefined;
  if (text === undefined) return false;
  res.setHeader('content-type', jsonContentType(mediaType));
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
  return true;
}

/**
 * The handler's context; its logger is the request's, made on first use (request-state.ts), and
 * its `signal` (an AbortController and a close listener) is made only when a handler reads it
 * (most never do), aborted at once when the client has already gone. A class, not a literal with
 * accessors, for the same reason as the request state.
 */
class LazyHandlerContext implements HandlerContext {
  readonly requestId: string;
  readonly #state: RequestState;
  readonly #res: AnswerStream;
  #signal: AbortSignal | undefined;

  constructor(state: RequestState, res: AnswerStream) {
    this.requestId = state.requestId;
    this.#state = state;
    this.#res = res;
    this.#signal = undefined;
  }

  get log(): HandlerContext['log'] {
    return this.#state.log;
  }

  get signal(): AbortSignal {
    this.#signal ??= abortSignal(this.#res);
    return this.#signal;
  }
}

/** What the handler context needs of a response: whether and when it is over. */
type AnswerStream = Pick<ServerResponse, 'closed' | 'writableFinished' | 'once'>;

/** The context a handler gets for its request (the Express pipeline's and the fast path's). */
export function handlerContext(state: RequestState, res: AnswerStream): HandlerContext {
  return new LazyHandlerContext(state, res);
}

function abortSignal(res: AnswerStream): AbortSignal {
  const controller = new AbortController();
  const gone = (): void => {
    if (!res.writableFinished) controller.abort(new Error('the client closed the connection'));
  };
  if (res.closed) gone();
  else res.once('close', gone);
  return controller.signal;
}
