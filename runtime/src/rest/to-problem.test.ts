import { describe, expect, it } from 'vitest';
import { AppError, errorCodes } from '../errors/index.ts';
import { toFieldError, toProblem, unexpectedDetail } from './to-problem.ts';

const request = { method: 'POST', contentType: 'application/json' };

describe('toProblem', () => {
  it('maps AppError codes to their HTTP status with the message as detail', () => {
    const cases = [
      [errorCodes.invalidArgument, 400],
      [errorCodes.notFound, 404],
      [errorCodes.alreadyExists, 409],
      [errorCodes.unavailable, 503],
      [errorCodes.deadlineExceeded, 504],
    ] as const;
    for (const [code, status] of cases) {
      const mapped = toProblem(new AppError(code, 'cannot do it: because'), request);
      expect(mapped.problem).toMatchObject({ status, detail: 'cannot do it: because', type: 'about:blank' });
    }
  });

  it('hides the message of internal AppErrors and unknown errors', () => {
    for (const err of [new AppError(errorCodes.internal, 'cannot query: password=x'), new TypeError('x is undefined'), 'a string', null]) {
      const mapped = toProblem(err, request);
      expect(mapped).toEqual({ problem: { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: unexpectedDetail }, headers: {}, unexpected: true });
    }
  });

  it('turns AppError details into field errors', () => {
    const err = new AppError(errorCodes.invalidArgument, 'cannot create platform: invalid', { details: [{ path: 'name', message: 'is taken' }] });
    expect(toProblem(err, request).problem.errors).toEqual([{ field: 'name', in: 'body', message: 'is taken' }]);
  });

  it('maps a 405 from request validation to a problem and an Allow header', () => {
    const err = Object.assign(new Error('DELETE method not allowed'), { status: 405, errors: [{ path: '/x' }], headers: { Allow: 'GET, POST' } });
    const mapped = toProblem(err, { method: 'DELETE', contentType: undefined });
    expect(mapped.headers).toEqual({ allow: 'GET, POST' });
    expect(mapped.problem.detail).toBe('DELETE is not allowed here; allowed: GET, POST.');
  });
});

describe('toFieldError', () => {
  it('names the field and its location from a validator path', () => {
    expect(toFieldError({ path: '/body/name', message: 'm' })).toEqual({ field: 'name', in: 'body', message: 'm' });
    expect(toFieldError({ path: '/body/items/0/name', message: 'm' })).toEqual({ field: 'items.0.name', in: 'body', message: 'm' });
    expect(toFieldError({ path: '/params/id', message: 'm' })).toEqual({ field: 'id', in: 'path', message: 'm' });
    expect(toFieldError({ path: '/query/limit', message: 'm' })).toEqual({ field: 'limit', in: 'query', message: 'm' });
    expect(toFieldError({ path: '/headers/x-api-version', message: 'm' })).toEqual({ field: 'x-api-version', in: 'header', message: 'm' });
    expect(toFieldError({ path: '/body', message: 'm' })).toEqual({ field: '', in: 'body', message: 'm' });
  });
});
