/**
 * RFC 9457 problem details: the one error shape of every REST answer
 * (`application/problem+json`), matching the `Problem` schema of the contracts.
 */
import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';
import { mediaTypes } from './media-types.ts';

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
 * Writes a problem as `application/problem+json`, filling `instance` and `requestId`.
 * Bypasses `res.json` on purpose: error answers are the runtime's own and must not be
 * re-validated (a 404 on an operation that declares none must still go out as a 404).
 */
export function sendProblem(res: Response, body: Problem, context: { readonly instance: string; readonly requestId: string }): void {
  const full: Problem = { ...body, instance: body.instance ?? context.instance, requestId: body.requestId ?? context.requestId };
  res.status(full.status).type(mediaTypes.problem).send(JSON.stringify(full));
}
