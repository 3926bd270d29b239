/**
 * The REST request pipeline as one Express layer: the steps that used to be a dozen `app.use`
 * layers (and a route layer per secured operation and per operation) run as plain function
 * calls, each operation with its own list compiled once, so Express's router walks one layer per
 * request instead of matching every layer's path. Each step keeps Express's middleware contract:
 * `next()` goes on, `next(err)` (a synchronous throw, a rejected promise) goes to the app's error
 * handlers.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';

function isPromise(value: unknown): value is Promise<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Runs `steps` in order as one middleware, the way Express runs consecutive layers: each gets a
 * `next` going on to the following step; an error (passed to `next`, thrown, or a rejected
 * promise) skips the rest and goes to `out`, as does the end of the list.
 */
export function series(steps: readonly RequestHandler[]): RequestHandler {
  if (steps.length === 1 && steps[0] !== undefined) return steps[0];
  return (req: Request, res: Response, out: NextFunction) => {
    let index = 0;
    const next = (err?: unknown): void => {
      if (err) return out(err);
      const step = steps[index++];
      if (step === undefined) return out();
      try {
        const returned: unknown = step(req, res, next);
        if (isPromise(returned)) returned.then(undefined, (error: unknown) => out(error ?? new Error('Rejected promise')));
      } catch (error) {
        out(error);
      }
    };
    next();
  };
}
