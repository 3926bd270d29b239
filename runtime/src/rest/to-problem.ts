/**
 * Maps anything thrown while serving a request to the problem the client sees. Only
 * known, safe facts reach the client; everything else becomes a generic 500.
 */
import { AppError } from '../errors/index.ts';
import { headerNames } from '../http/index.ts';
import type { ErrorCode } from '../errors/index.ts';
import type { FieldError, Problem } from './problem.ts';
import { problem } from './problem.ts';

export interface MappedError {
  readonly problem: Problem;
  /** Extra response headers (`allow` on 405). */
  readonly headers: Readonly<Record<string, string>>;
  /** Whether this is the server's fault: logged with its stack at error level. */
  readonly unexpected: boolean;
}

const statusOfCode: Partial<Record<ErrorCode, number>> = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  already_exists: 409,
  unavailable: 503,
  deadline_exceeded: 504,
};

const fieldLocations: Readonly<Record<string, FieldError['in']>> = { body: 'body', params: 'path', query: 'query', headers: 'header' };

export const unexpectedDetail = 'An unexpected error occurred. Quote the request id when reporting it.';

/** `{ path: '/body/name', message }` from express-openapi-validator → `{ field: 'name', in: 'body', message }`. */
export function toFieldError(error: { readonly path?: string; readonly message?: string }): FieldError {
  const [location = '', ...rest] = (error.path ?? '').replace(/^\//, '').split('/');
  return { field: rest.join('.'), in: fieldLocations[location] ?? 'body', message: error.message ?? 'is invalid' };
}

/** A problem the client caused: answered as it is, not logged as an error. */
function plain(p: Problem, headers: Record<string, string> = {}): MappedError {
  return { problem: p, headers, unexpected: false };
}

export function toProblem(err: unknown, request: { readonly method: string; readonly contentType: string | undefined }): MappedError {

  if (err instanceof AppError) {
    const status = statusOfCode[err.code];
    if (status === undefined) return { problem: problem(500, unexpectedDetail), headers: {}, unexpected: true };
    const errors = err.details.map((d) => ({ field: d.path, in: 'body' as const, message: d.message }));
    return { problem: problem(status, err.message, errors.length > 0 ? { errors } : {}), headers: {}, unexpected: status >= 500 };
  }

  const e = (typeof err === 'object' && err !== null ? err : {}) as Record<string, unknown>;
  const status = typeof e.status === 'number' ? e.status : 0;

  // body-parser (express.json) errors carry a `type`.
  switch (e.type) {
    case 'entity.parse.failed':
      return plain(problem(400, 'The request body is not valid JSON.'));
    case 'entity.too.large':
      return plain(problem(413, `The request body is larger than ${String(e.limit)} bytes.`));
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return plain(problem(415, 'The request body must be UTF-8 encoded JSON.'));
    case 'request.aborted':
    case 'request.size.invalid':
      return plain(problem(400, 'The request body was incomplete.'));
    case 'encoding.invalid':
      return plain(problem(400, `The request body is not valid ${String(e.encoding).slice(0, 50)} data.`));
    case 'entity.verify.failed':
      return plain(problem(400, 'The request body is not UTF-8 text.'));
  }

  // express-openapi-validator errors carry `status` and `errors: [{ path, message }]`.
  if (status > 0 && Array.isArray(e.errors)) {
    const reported = e.errors as { path?: string; message?: string }[];
    switch (status) {
      case 400:
        return plain(problem(400, 'The request does not match the contract.', { errors: reported.map(toFieldError) }));
      case 404:
        return plain(problem(404, `No operation matches ${request.method} ${reported[0]?.path ?? 'this path'}.`));
      case 405: {
        const allow = String((e.headers as Record<string, unknown> | undefined)?.Allow ?? '');
        return plain(problem(405, `${request.method} is not allowed here; allowed: ${allow || 'none'}.`), allow ? { [headerNames.allow]: allow } : {});
      }
      case 413:
        return plain(problem(413, 'The request body is too large.'));
      case 415:
        // Bodies of the wrong type are refused earlier; here the operation needs a body and got none.
        if (!request.contentType) return plain(problem(400, 'The request needs a JSON body.', { errors: [{ field: '', in: 'body', message: 'is required' }] }));
        return plain(problem(415, `The request body must be application/json, not ${request.contentType.slice(0, 100)}.`));
    }
    if (status >= 500) {
      // Response validation: the server broke its own contract. Say so, without internals.
      return { problem: problem(500, 'The response does not match the contract.'), headers: {}, unexpected: true };
    }
  }

  return { problem: problem(500, unexpectedDetail), headers: {}, unexpected: true };
}
