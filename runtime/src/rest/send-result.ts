/**
 * The answer to a handler's result, on a plain Node response: the Express path (bind-routes.ts)
 * and the fast path (fast-path.ts) both answer through it, so the contract check, the headers and
 * the bytes of a body cannot differ between them. Node's own calls only (`setHeader`, `end`), no
 * closure and no Express call: the fast path runs it on every request it serves.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { jsonContentType, mediaTypes } from './media-types.ts';
import type { RestResult, RestRoute } from './surface.ts';

/**
 * The Express path's way to `res.json`, for the bodies a plain write would not answer as it does
 * (sendResult). Passed in, so that this file has no Express call; made once, not per request.
 */
export interface ThroughJson {
  /** Every body through `send`: response validation (development, tests) hooks `res.json`. */
  readonly always: boolean;
  /** Sends the body as `res.json` does; the status and the result's headers are already set. */
  send(res: ServerResponse, mediaType: string, body: unknown): void;
}

/**
 * Answers a handler's result: a status the contract declares for its operation, the result's
 * headers, and the body as JSON (a problem's `instance` and `requestId` filled unless it has its
 * own) written as `res.json` would write it (the same status, headers and bytes) in one `end`:
 * the headers and the text in one socket write, without Express's `send` (its content-type
 * parsing, freshness check and, past 1000 characters, a Buffer written apart from the headers).
 * Where `send` does more than that, the body goes through `json` (the Express path's): a HEAD, a
 * conditional request (its 304), a media type with parameters, a value JSON cannot write. The fast
 * path gives no `json`: it declines the first three, and a value JSON cannot write goes out empty,
 * as `res.json` sends it.
 */
export function sendResult(res: ServerResponse, route: RestRoute<PropertyKey>, result: RestResult, instance: string, requestId: string, json: ThroughJson | undefined): void {
  if (!Object.hasOwn(route.responses, result.status)) {
    throw new Error(`cannot answer ${String(route.operationId)}: status ${result.status} is not declared by the contract`);
  }
  const mediaType = route.responses[result.status];
  const headers = result.headers;
  if (headers !== undefined) {
    for (const name in headers) {
      const value = headers[name];
      if (value !== undefined) res.setHeader(name, String(value));
    }
  }
  res.statusCode = result.status;
  if (mediaType === null || mediaType === undefined || result.body === undefined) {
    res.end();
    return;
  }
  const body = mediaType === mediaTypes.problem ? { instance, requestId, ...(result.body as object) } : result.body;
  if (json !== undefined && (json.always || !sendAddsNothing(res.req, mediaType))) return json.send(res, mediaType, body);
  const text = JSON.stringify(body) as string | undefined;
  if (text === undefined && json !== undefined) return json.send(res, mediaType, body);
  res.setHeader('content-type', jsonContentType(mediaType));
  if (text === undefined) return void res.end();
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

/** Whether Express's `send` would write `res.json`'s text as it is: not for a HEAD, a conditional request or a media type with parameters. */
function sendAddsNothing(req: IncomingMessage, mediaType: string): boolean {
  const headers = req.headers;
  return req.method !== 'HEAD' && headers['if-none-match'] === undefined && headers['if-modified-since'] === undefined && !mediaType.includes(';');
}
