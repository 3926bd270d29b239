import { describe, expect, it } from 'vitest';
import { AppError, errorCodes } from '../../errors/index.ts';
import type { Handler } from '../message.ts';
import { makeMessage } from '../test-support.ts';
import { createRetryMiddleware, handlerAttempts } from './retry.ts';

const fast = { initialInterval: 1, maxInterval: 5 };

function failing(times: number, error: () => unknown): Handler & { calls: number } {
  const handler = Object.assign(
    async () => {
      handler.calls++;
      if (handler.calls <= times) throw error();
    },
    { calls: 0 },
  );
  return handler;
}

describe('retry middleware', () => {
  it('retries a transient failure until the handler succeeds', async () => {
    const handler = failing(2, () => new AppError(errorCodes.unavailable, 'cannot write: database down'));
    await createRetryMiddleware(fast)(handler)(makeMessage('t', 0));
    expect(handler.calls).toBe(3);
  });

  it('retries errors that are not AppErrors by default', async () => {
    const handler = failing(1, () => new Error('socket hang up'));
    await createRetryMiddleware(fast)(handler)(makeMessage('t', 0));
    expect(handler.calls).toBe(2);
  });

  it('does not retry a non-transient AppError by default', async () => {
    const handler = failing(1, () => new AppError(errorCodes.invalidArgument, 'cannot handle: bad id'));
    await expect(createRetryMiddleware(fast)(handler)(makeMessage('t', 0))).rejects.toMatchObject({ code: errorCodes.invalidArgument });
    expect(handler.calls).toBe(1);
  });

  it('never retries a poison message, whatever shouldRetry says', async () => {
    const handler = failing(1, () => new AppError(errorCodes.poisonMessage, 'cannot parse payload'));
    const retry = createRetryMiddleware({ ...fast, shouldRetry: () => true });
    await expect(retry(handler)(makeMessage('t', 0))).rejects.toMatchObject({ code: errorCodes.poisonMessage });
    expect(handler.calls).toBe(1);
  });

  it('gives up after maxRetries, rethrowing the last error with its attempt count', async () => {
    const handler = failing(Infinity, () => new AppError(errorCodes.unavailable, 'cannot write: database down'));
    const error = await createRetryMiddleware({ ...fast, maxRetries: 2 })(handler)(makeMessage('t', 0)).catch((e: unknown) => e);
    expect(handler.calls).toBe(3);
    expect(error).toMatchObject({ code: errorCodes.unavailable });
    expect(handlerAttempts(error)).toBe(3);
  });

  it('asks shouldRetry when given', async () => {
    const handler = failing(Infinity, () => new Error('nope'));
    const seen: unknown[] = [];
    const retry = createRetryMiddleware({ ...fast, shouldRetry: (error) => (seen.push(error), seen.length < 2) });
    await expect(retry(handler)(makeMessage('t', 0))).rejects.toThrow('nope');
    expect(handler.calls).toBe(2);
  });

  it.each([
    [{ maxRetries: -1 }, 'maxRetries must be an integer >= 0, got -1'],
    [{ maxRetries: 1.5 }, 'maxRetries must be an integer >= 0, got 1.5'],
    [{ initialInterval: -5 }, 'initialInterval must be a finite number >= 0, got -5'],
    [{ multiplier: 0.5 }, 'multiplier must be a finite number >= 1, got 0.5'],
    [{ initialInterval: 100, maxInterval: 10 }, 'maxInterval must be a finite number >= initialInterval, got 10'],
    [{ jitter: 2 }, 'jitter must be between 0 and 1, got 2'],
  ])('rejects invalid options %j at construction', (options, why) => {
    const create = (): unknown => createRetryMiddleware(options);
    expect(create).toThrow(AppError);
    expect(create).toThrow(`cannot create retry middleware: ${why}`);
    let thrown: unknown;
    try {
      create();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: errorCodes.invalidConfig });
  });
});
