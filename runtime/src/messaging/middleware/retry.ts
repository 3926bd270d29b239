import type { Logger } from 'pino';
import { AppError, errorCodes, isAppError } from '../../errors/index.ts';
import { backoffDelay, sleep, validateBackoff } from '../backoff.ts';
import type { Middleware } from '../message.ts';
import { silentLogger } from '../silent-logger.ts';

/** Retry policy (after Watermill's `Retry`). Every field is optional; defaults are documented per field. */
export interface RetryOptions {
  /** Retries after the first attempt; 0 disables retrying. Default 3 (so 4 attempts in all). */
  readonly maxRetries?: number;
  /** Delay before the first retry, in milliseconds. Default 100. */
  readonly initialInterval?: number;
  /** Factor applied to the delay after each retry (>= 1). Default 2. */
  readonly multiplier?: number;
  /** Upper bound of one delay, in milliseconds. Default 10_000. */
  readonly maxInterval?: number;
  /** Random spread as a fraction of each delay (0..1). Default 0.2. */
  readonly jitter?: number;
  /**
   * Whether an error is worth another attempt. Default: an AppError whose code is transient,
   * or any error that is not an AppError. Never consulted for `poison_message`, which is
   * never retried.
   */
  readonly shouldRetry?: (error: unknown) => boolean;
  /** Logs each retry at warn level. Default: silent. */
  readonly logger?: Logger;
}

/** Retries transient failures only (see RetryOptions.shouldRetry). */
export function retryTransient(error: unknown): boolean {
  return !isAppError(error) || error.transient;
}

const attemptsByError = new WeakMap<object, number>();

/**
 * How many times the handler ran before `error` escaped the retry middleware (1 when the
 * error did not pass through it). The dead-letter middleware records it.
 */
export function handlerAttempts(error: unknown): number {
  return typeof error === 'object' && error !== null ? (attemptsByError.get(error) ?? 1) : 1;
}

/**
 * Retries a failing handler in place, with exponential backoff and jitter, while the
 * message stays in hand (unacknowledged). After the last attempt the error is rethrown
 * for the next policy outward (normally the dead-letter middleware).
 */
export function createRetryMiddleware(options: RetryOptions = {}): Middleware {
  const maxRetries = options.maxRetries ?? 3;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new AppError(errorCodes.invalidConfig, `cannot create retry middleware: maxRetries must be an integer >= 0, got ${maxRetries}`);
  }
  if (options.shouldRetry !== undefined && typeof options.shouldRetry !== 'function') {
    throw new AppError(errorCodes.invalidConfig, 'cannot create retry middleware: shouldRetry must be a function');
  }
  const backoff = validateBackoff(
    {
      initialInterval: options.initialInterval ?? 100,
      multiplier: options.multiplier ?? 2,
      maxInterval: options.maxInterval ?? 10_000,
      jitter: options.jitter ?? 0.2,
    },
    'retry middleware',
  );
  const shouldRetry = options.shouldRetry ?? retryTransient;
  const logger = options.logger ?? silentLogger;

  return (next) => async (message) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await next(message);
      } catch (error) {
        const retry = attempt <= maxRetries && !isAppError(error, errorCodes.poisonMessage) && shouldRetry(error);
        if (!retry) {
          if (typeof error === 'object' && error !== null) attemptsByError.set(error, attempt);
          throw error;
        }
        const delay = backoffDelay(backoff, attempt);
        logger.warn({ err: error, messageId: message.id, attempt, delay }, 'handler failed, retrying');
        await sleep(delay);
      }
    }
  };
}
