import type { RequestHandler } from 'express';
import { mediaTypes } from './media-types.ts';
import { problem, sendProblem } from './problem.ts';
import { requestPath, requestState } from './request-state.ts';

/**
 * Rejects a request body that is not JSON with 415. Requests without a body pass; whether
 * an operation needs one is the contract's business (checked by request validation).
 */
export function requireJsonBody(): RequestHandler {
  return (req, res, next) => {
    // An empty body (Content-Length: 0, as fetch sends on a body-less POST) is no body.
    const empty = req.headers['transfer-encoding'] === undefined && Number(req.headers['content-length'] ?? 0) === 0;
    if (empty || req.is(mediaTypes.json)) return next();
    const given = req.headers['content-type']?.slice(0, 100);
    const detail = `The request body must be ${mediaTypes.json}, ${given ? `not ${given}` : 'but it has no Content-Type'}.`;
    sendProblem(res, problem(415, detail), { instance: requestPath(req), requestId: requestState(res).requestId });
  };
}
