import { AppError, errorCodes } from '../../errors/index.ts';
import type { Middleware } from '../message.ts';

/** Options of the timeout middleware. */
export interface TimeoutOptions {
  /** Longest time one handler attempt may take, in milliseconds. Required, > 0. */
  readonly timeout: number;
}

/**
 * Rejects with AppError `deadline_exceeded` (transient, so retried) when the handler takes
 * longer than `timeout`. The handler itself is not cancelled: it must stay idempotent, since
 * the message may be processed again while the late attempt finishes.
 * Place it inside the retry middleware so each attempt has its own deadline.
 */
export function createTimeoutMiddleware(options: TimeoutOptions): Middleware {
  const timeout = options?.timeout;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
    throw new AppError(errorCodes.invalidConfig, `cannot create timeout middleware: timeout must be a finite number > 0, got ${timeout}`);
  }
  return (next) => (message) => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new AppError(errorCodes.deadlineExceeded, `cannot handle message ${message.id}: no result after ${timeout} ms`)),
        timeout,
      );
    });
    return Promise.race([next(message), deadline]).finally(() => clearTimeout(timer));
  };
}
