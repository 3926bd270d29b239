import type { RequestHandler, Response } from 'express';
import { problem, sendProblem } from './problem.ts';
import type { Operation, OperationTable, PathMatch } from './operations.ts';
import { requestPath, requestState } from './request-state.ts';

/** The operation a request was matched to, with its path's match. */
export interface MatchedOperation {
  readonly operation: Operation;
  readonly path: PathMatch;
}

const key = Symbol('platform.rest.matched-operation');

/** The operation `routeMatch` found for this request; undefined before it ran or when it answered itself. */
export function matchedOperation(res: Response): MatchedOperation | undefined {
  return (res.locals as Record<symbol, MatchedOperation | undefined>)[key];
}

/**
 * Finds the contract operation of a request, or answers for the path the way the contract's
 * conventions state: a path the contract does not have (a trailing slash included) is 404; a
 * method its path does not offer is 405 with `Allow`; `OPTIONS` is 204 with `Allow`; `HEAD` is
 * the path's `GET` without the body.
 */
export function routeMatch(operations: OperationTable): RequestHandler {
  return (req, res, next) => {
    const answer = (status: number, detail: string): void =>
      sendProblem(res, problem(status, detail), { instance: requestPath(req), requestId: requestState(res).requestId });
    const path = operations.match(req.path);
    if (path === undefined) return answer(404, `No operation matches ${req.method} ${requestPath(req)}.`);
    const method = req.method.toLowerCase();
    if (method === 'options' && !path.operations.has('options')) {
      res.setHeader('allow', path.allow);
      res.status(204).end();
      return;
    }
    const operation = path.operations.get(method) ?? (method === 'head' ? path.operations.get('get') : undefined);
    if (operation === undefined) {
      res.setHeader('allow', path.allow);
      return answer(405, `${req.method} is not allowed here; allowed: ${path.allow}.`);
    }
    (res.locals as Record<symbol, MatchedOperation>)[key] = { operation, path };
    next();
  };
}
