import type { ServerResponse } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import { requestPath, requestState } from './request-state.ts';
import type { RequestState } from './request-state.ts';
import type { Operation } from './operations.ts';
import { matchedOperation } from './route-match.ts';
import { sendResult } from './send-result.ts';
import type { ThroughJson } from './send-result.ts';
import type { HandlerContext, RestRequest, RestResult } from './surface.ts';

export type AnyHandler = (request: RestRequest, context: HandlerContext) => Promise<RestResult>;

/**
 * The last step of an operation's compiled pipeline (pipeline.ts): calls its handler with the
 * path parameters route matching found (percent-decoded, as Express's route layer decoded them;
 * one that does not decode is Express's 400), integer ones as numbers.
 */
export function operationHandler(operation: Operation, handler: AnyHandler, options: AnswerOptions = { throughJson: true }): RequestHandler {
  const { route } = operation;
  const integers = operation.integerParameters.map((parameter) => parameter.name);
  const json = options.throughJson ? jsonAlways : jsonWhereNeeded;
  return async (req: Request, res: Response) => {
    const matched = matchedOperation(res);
    if (matched?.path.undecodable !== undefined) throw undecodableParameter(matched.path.undecodable);
    const state = requestState(res);
    const params: Record<string, unknown> = { ...matched?.path.parameters };
    for (const name of integers) params[name] = Number(params[name]);
    const request: RestRequest = { params, query: req.query, headers: req.headers, body: req.body };
    const result = await handler(request, handlerContext(state, res));
    sendResult(res, route, result, requestPath(req), state.requestId, json);
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

/** `res.json`, not `res.send`: response validation (development, tests) hooks `res.json`. */
function sendThroughJson(res: ServerResponse, mediaType: string, body: unknown): void {
  (res as Response).type(mediaType).json(body);
}

/** Bodies through `res.json` only where a plain write would not answer as it does (send-result.ts). */
const jsonWhereNeeded: ThroughJson = { always: false, send: sendThroughJson };
/** Every body through `res.json`. */
const jsonAlways: ThroughJson = { always: true, send: sendThroughJson };

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
