/**
 * Rules for request bodies, per matched operation: an operation without a request body in the
 * contract takes none; one with a body takes JSON in a content coding the server decodes.
 */
import type { RequestHandler, Request } from 'express';
import { headerNames } from '../http/index.ts';
import { problem, sendProblem } from './problem.ts';
import { requestPath, requestState } from './request-state.ts';
import { matchedOperation } from './route-match.ts';

/** Content codings a request body may arrive in (`Content-Encoding`); the 415 answer lists them in `Accept-Encoding`. */
export const acceptedEncodings = ['gzip', 'deflate', 'br'] as const;

/** Whether the request carries body bytes (a `Content-Length: 0`, as fetch sends on a body-less POST, is no body). */
export function hasBody(req: Pick<Request, 'headers'>): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/** The content codings of the request, lower case, `identity` left out. */
function codings(req: Request): string[] {
  const header = req.headers['content-encoding'];
  if (header === undefined) return [];
  return header.split(',').map((coding) => coding.trim().toLowerCase()).filter((coding) => coding !== '' && coding !== 'identity');
}

/** 400 for a body sent to an operation whose contract declares none (nothing is read or stored). */
export function bodyOnlyWhereDeclared(): RequestHandler {
  return (req, res, next) => {
    const matched = matchedOperation(res);
    if (matched === undefined || matched.operation.takesBody || !hasBody(req)) return next();
    const body = problem(400, 'This operation takes no request body.', { errors: [{ field: '', in: 'body', message: 'must be empty' }] });
    sendProblem(res, body, { instance: requestPath(req), requestId: requestState(res).requestId });
  };
}

/** 415 with `Accept-Encoding` for a body in a content coding other than one of `acceptedEncodings` (or in several). */
export function acceptedContentEncoding(): RequestHandler {
  const accepted: ReadonlySet<string> = new Set(acceptedEncodings);
  return (req, res, next) => {
    const matched = matchedOperation(res);
    const given = codings(req);
    if (matched === undefined || !matched.operation.takesBody || given.length === 0 || (given.length === 1 && accepted.has(given[0] ?? ''))) return next();
    res.setHeader(headerNames.acceptEncoding, acceptedEncodings.join(', '));
    const detail = `The request body must be sent as identity, ${acceptedEncodings.join(', ')} (one coding), not ${String(req.headers['content-encoding']).slice(0, 100)}.`;
    sendProblem(res, problem(415, detail), { instance: requestPath(req), requestId: requestState(res).requestId });
  };
}
