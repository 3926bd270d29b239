import type { RequestHandler } from 'express';
import type { FieldError } from './problem.ts';
import { problem, sendProblem } from './problem.ts';
import { requestPath, requestState } from './request-state.ts';
import { matchedOperation } from './route-match.ts';

/** Why a JSON string (a value or a member name) cannot be taken as text, or undefined when it can. */
function textProblem(text: string): string | undefined {
  if (!text.isWellFormed()) return 'must be well-formed Unicode text (a lone surrogate such as \\ud800 is not)';
  if (text.includes('\u0000')) return 'must not contain the character U+0000';
  return undefined;
}

/** Every string of a parsed JSON value that breaks the text rules, with its dotted path. */
export function textErrors(value: unknown, path: readonly string[] = []): FieldError[] {
  const field = path.join('.');
  if (typeof value === 'string') {
    const message = textProblem(value);
    return message === undefined ? [] : [{ field, in: 'body', message }];
  }
  if (typeof value !== 'object' || value === null) return [];
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((item, index) => [String(index), item]) : Object.entries(value);
  return entries.flatMap(([name, item]) => {
    const nameProblem = textProblem(name);
    // A broken member name is reported by a well-formed stand-in, so the problem answer is text itself.
    const named = nameProblem === undefined ? [] : [{ field: [...path, name.toWellFormed()].join('.'), in: 'body' as const, message: `member name ${nameProblem}` }];
    return [...named, ...textErrors(item, [...path, name.toWellFormed()])];
  });
}

/**
 * 400 naming each field whose JSON string is not storable text: a lone surrogate (`"x\ud800y"`,
 * which the databases would store as U+FFFD while the request and the event kept it) or U+0000
 * (which PostgreSQL text cannot hold). So what is answered, stored and published never disagree.
 */
export function wellFormedText(): RequestHandler {
  return (req, res, next) => {
    if (!matchedOperation(res)?.operation.takesBody || req.body === undefined) return next();
    const errors = textErrors(req.body);
    if (errors.length === 0) return next();
    const body = problem(400, 'The request body contains text the platform does not store.', { errors });
    sendProblem(res, body, { instance: requestPath(req), requestId: requestState(res).requestId });
  };
}
