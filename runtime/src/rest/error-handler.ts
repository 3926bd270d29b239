import type { ErrorRequestHandler, RequestHandler } from 'express';
import { problem, sendProblem } from './problem.ts';
import { requestPath, requestState } from './request-state.ts';
import { toProblem } from './to-problem.ts';

/** Last route: nothing matched. (Request validation already answers for paths the contract owns.) */
export function notFound(): RequestHandler {
  return (req, res) => {
    const detail = `No operation matches ${req.method} ${requestPath(req)}.`;
    sendProblem(res, problem(404, detail), { instance: requestPath(req), requestId: requestState(res).requestId });
  };
}

/**
 * Turns every error into `application/problem+json`: never a stack trace, never HTML.
 * Unexpected errors are logged with their stack; the client only gets the request id.
 */
export function errorHandler(): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const { requestId, log } = requestState(res);
    const mapped = toProblem(err, { method: req.method, contentType: req.headers['content-type'] });
    if (mapped.unexpected) log.error({ err }, 'cannot serve request: unexpected error');
    if (res.headersSent) {
      // Too late for a problem: cut the connection so the client sees a failure, not a truncated success.
      res.destroy();
      return;
    }
    for (const [name, value] of Object.entries(mapped.headers)) res.setHeader(name, value);
    sendProblem(res, mapped.problem, { instance: requestPath(req), requestId });
  };
}
