import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { series } from './pipeline.ts';

const req = {} as Request;
const res = {} as Response;
const last: RequestHandler = (_q, _s, next) => next();

/** Runs the series and resolves with what it passed on (undefined for `next()`). */
function run(steps: RequestHandler[]): Promise<{ passed: unknown; ran: string[] }> {
  const ran: string[] = [];
  const named = steps.map((step, index): RequestHandler => (r, s, n) => {
    ran.push(String(index));
    return step(r, s, n);
  });
  return new Promise((resolve) => {
    series(named)(req, res, ((err?: unknown) => resolve({ passed: err, ran })) as NextFunction);
  });
}

describe('series: steps as one middleware, with Express layer semantics', () => {
  it('runs-every-step-in-order-then-goes-on', async () => {
    expect(await run([(_q, _s, next) => next(), async (_q, _s, next) => next(), (_q, _s, next) => next()])).toEqual({ passed: undefined, ran: ['0', '1', '2'] });
  });

  it('skips-the-rest-on-an-error-passed-thrown-or-rejected', async () => {
    const boom = new Error('boom');
    expect(await run([(_q, _s, next) => next(boom), last])).toEqual({ passed: boom, ran: ['0'] });
    expect(await run([() => { throw boom; }, last])).toEqual({ passed: boom, ran: ['0'] });
    expect(await run([(_q, _s, next) => next(), async () => { throw boom; }, last])).toEqual({ passed: boom, ran: ['0', '1'] });
  });

  it('stops-where-a-step-answers-without-next', async () => {
    const ran: string[] = [];
    let passed = false;
    series([(_q, _s, next) => { ran.push('a'); next(); }, () => { ran.push('b'); }, () => { ran.push('c'); }])(req, res, (() => { passed = true; }) as NextFunction);
    expect({ ran, passed }).toEqual({ ran: ['a', 'b'], passed: false });
  });
});
