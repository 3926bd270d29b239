import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import { headerNames } from '@platform/runtime/http';
import { exchangeObserver, mediaTypes, problem, requestPath, requestState, sendProblem } from '@platform/runtime/rest';

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
 * `answerProblem` for a request the gateway serves on Node's server directly (no Express): the same
 * body and headers, and the answer told to the exchange observer when a test run installed one, as
 * the gateway's own (checked against the contract).
 */
export function answerPlainProblem(req: IncomingMessage, res: ServerResponse, status: number, detail: string, context: ProblemContext): void {
  const url = req.url ?? '';
  const path = requestPath({ originalUrl: url });
  const body = JSON.stringify({ ...problem(status, detail), instance: path, requestId: context.requestId });
  const type = `${mediaTypes.problem}; charset=utf-8`;
  const length = Buffer.byteLength(body);
  res.writeHead(status, ['content-type', type, 'content-length', String(length), headerNames.requestId, context.requestId, ...context.headers]);
  res.end(body);
  const observer = exchangeObserver();
  if (observer === undefined) return;
  const query = url.indexOf('?');
  const headers: Record<string, string | number> = { 'content-type': type, 'content-length': length, [headerNames.requestId]: context.requestId };
  for (let i = 0; i < context.headers.length; i += 2) headers[(context.headers[i] as string).toLowerCase()] = context.headers[i + 1] as string;
  observer({ contract: context.contract, by: 'gateway', method: req.method ?? '', path, query: query === -1 ? '' : url.slice(query + 1), status, headers, body, bodyBytes: length });
}
