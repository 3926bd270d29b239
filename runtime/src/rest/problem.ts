/**
 * RFC 9457 problem details: the one error shape of every REST answer
 * (`application/problem+json`), matching the `Problem` schema of the contracts.
 */
import { STATUS_CODES } from 'node:http';
import type { ServerResponse } from 'node:http';
import { jsonContentType, mediaTypes } from './media-types.ts';

/** One invalid field of a request. */
export interface FieldError {
  /** Dotted path inside its location (`name`, `items.0.name`); empty for the location itself. */
  readonly field: string;
  readonly in: 'body' | 'path' | 'query' | 'header';
  readonly message: string;
}

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly instance?: string;
  readonly requestId?: string;
  readonly errors?: FieldError[];
}

/** A problem of type `about:blank`, titled with the status phrase: `problem(404, 'cannot find platform 7: no such id')`. */
export function problem(status: number, detail?: string, extra: Pick<Problem, 'errors'> = {}): Problem {
  return {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    ...(detail === undefined ? {} : { detail }),
    ...extra,
  };
}

/**
 * Writes a problem as `application/problem+json`, filling `instance` and `requestId`, on any Node
 * response (Express's is one). Bypasses `res.json` on purpose: error answers are the runtime's own
 * and must not be re-validated (a 404 on an operation that declares none must still go out as a 404).
 */
export function sendProblem(res: ServerResponse, body: Problem, context: { readonly instance: string; readonly requestId: string }): void {
  writeProblem(res, body, context.instance, context.requestId);
}

const problemContentType = jsonContentType(mediaTypes.problem);

/**
 * sendProblem with `instance` and `requestId` as arguments: the fast path has them at hand and
 * makes no object for them. Writes, to the byte, what Express's `res.send` of the text wrote when
 * sendProblem used it: the header names as `send` spells them, Content-Length as a string, no body
 * for a HEAD (Node would drop it, but the exchange recorder would report it). A problem's status
 * is an error's, so `send`'s rules for 204, 205 and a fresh 2xx never apply, and both apps that
 * answer problems turn ETags off (create-rest-server.ts, the gateway).
 */
export function writeProblem(res: ServerResponse, body: Problem, instance: string, requestId: string): void {
  const text = JSON.stringify({ ...body, instance: body.instance ?? instance, requestId: body.requestId ?? requestId });
  res.statusCode = body.status;
  res.setHeader('Content-Type', problemContentType);
  res.setHeader('Content-Length', String(Buffer.byteLength(text)));
  if (res.req.method === 'HEAD') res.end();
  else res.end(text);
}
