import type { Request, Response } from 'express';
import { problem, requestPath, requestState, sendProblem } from '@platform/runtime/rest';

/**
 * Answers with the platform's one error shape, an RFC 9457 problem (`application/problem+json`),
 * for this request: its path as `instance`, its id as `requestId`.
 */
export function answerProblem(req: Request, res: Response, status: number, detail: string): void {
  sendProblem(res, problem(status, detail), { instance: requestPath(req), requestId: requestState(res).requestId });
}
