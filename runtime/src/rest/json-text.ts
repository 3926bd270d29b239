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

/** A path as a chain from the leaf up, so a deep walk shares its prefixes instead of copying them. */
interface Path {
  readonly name: string;
  readonly parent: Path | undefined;
}

function dotted(path: Path | undefined): string {
  const names: string[] = [];
  for (let at = path; at !== undefined; at = at.parent) names.push(at.name);
  return names.toReversed().join('.');
}

/** A value still to look at, or a member name already found broken. */
type Pending = { readonly value: unknown; readonly path: Path | undefined } | { readonly brokenName: string; readonly path: Path };

/**
 * Every string of a parsed JSON value that breaks the text rules, with its dotted path. Walks
 * with its own stack, not recursion: a body may nest arrays thousands deep within the size limit.
 */
export function textErrors(value: unknown): FieldError[] {
  const errors: FieldError[] = [];
  const pending: Pending[] = [{ value, path: undefined }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if ('brokenName' in next) {
      errors.push({ field: dotted(next.path), in: 'body', message: `member name ${next.brokenName}` });
      continue;
    }
    const { value: current, path } = next;
    if (typeof current === 'string') {
      const message = textProblem(current);
      if (message !== undefined) errors.push({ field: dotted(path), in: 'body', message });
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    const entries: [string, unknown][] = Array.isArray(current) ? current.map((item, index) => [String(index), item]) : Object.entries(current);
    // Pushed in reverse, so the errors come out in document order (a member's name before its value).
    for (const [name, item] of entries.toReversed()) {
      // A broken member name is reported by a well-formed stand-in, so the problem answer is text itself.
      const member: Path = { name: name.toWellFormed(), parent: path };
      pending.push({ value: item, path: member });
      const nameProblem = textProblem(name);
      if (nameProblem !== undefined) pending.push({ brokenName: nameProblem, path: member });
    }
  }
  return errors;
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
