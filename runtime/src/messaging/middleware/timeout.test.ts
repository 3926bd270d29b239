import { describe, expect, it } from 'vitest';
import { AppError, errorCodes } from '../../errors/index.ts';
import { makeMessage } from '../test-support.ts';
import { createTimeoutMiddleware } from './timeout.ts';

describe('timeout middleware', () => {
  it('rejects with deadline_exceeded when the handler does not finish in time', async () => {
    const never = new Promise<void>(() => undefined);
    await expect(createTimeoutMiddleware({ timeout: 5 })(() => never)(makeMessage('t', 0))).rejects.toMatchObject({ code: errorCodes.deadlineExceeded });
  });

  it('passes the handler result through when it finishes in time', async () => {
    await expect(createTimeoutMiddleware({ timeout: 10_000 })(async () => undefined)(makeMessage('t', 0))).resolves.toBeUndefined();
    await expect(createTimeoutMiddleware({ timeout: 10_000 })(async () => Promise.reject(new Error('boom')))(makeMessage('t', 0))).rejects.toThrow('boom');
  });

  it('rejects a missing or non-positive timeout at construction', () => {
    expect(() => createTimeoutMiddleware({ timeout: 0 })).toThrow('cannot create timeout middleware: timeout must be a finite number > 0, got 0');
    expect(() => createTimeoutMiddleware({} as never)).toThrow(AppError);
  });
});
