import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import { headerNames } from '@platform/runtime/http';
import { exchangeObserver, problem, recordExchange, requestPath, requestState, sendProblem } from '@platform/runtime/rest';

/**
 * Answers with the platform's one error shape, an RFC 9457 problem (`application/problem+json`),
 * for this request: its path as `instance`, its id as `requestId`.
 */
export function answerProblem(req: Request, res: Response, status: number, detail: string): void {
  sendProblem(res, problem(status, detail), { instance: requestPath(req), requestId: requestState(res).requestId });
}

/** Who made a problem answer on a plain Node response, and the headers it carries besides its own. */
export interface ProblemContext {
  readonly requestId: string;
  /** Flat `[name, value, ...]` headers added to the answer (CORS). */
  readonly headers: readonly string[];
  /** The contract the answer belongs to (`contracts/openapi/platform-service.yaml`), told to the test-run exchange observer. */
  readonly contract: string;
}

/**
 * `answerProblem` for a request the gateway serves on Node's server directly (no Express): the
 * runtime's own problem writer, after the request id and `context`'s headers, and the answer told
 * to the exchange observer when a test run installed one, as the gateway's own (checked against
 * the contract).
 */
export function answerPlainProblem(req: IncomingMessage, res: ServerResponse, status: number, detail: string, context: ProblemContext): void {
  const observer = exchangeObserver();
  if (observer !== undefined) recordExchange(observer, req, res, context.contract, 'gateway');
  res.setHeader(headerNames.requestId, context.requestId);
  for (let i = 0; i < context.headers.length; i += 2) res.setHeader(context.headers[i]!, context.headers[i + 1]!);
  sendProblem(res, problem(status, detail), { instance: requestPath({ originalUrl: req.url ?? '' }), requestId: context.requestId });
}
