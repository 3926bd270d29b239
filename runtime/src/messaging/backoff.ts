import { AppError, errorCodes } from '../errors/index.ts';

/** Exponential backoff with jitter, shared by retry, the outbox relay and the AMQP transport. */
export interface BackoffOptions {
  /** Delay before the first retry, in milliseconds. */
  readonly initialInterval: number;
  /** Factor applied to the delay after each attempt (>= 1). */
  readonly multiplier: number;
  /** Upper bound of any delay, in milliseconds (>= initialInterval). */
  readonly maxInterval: number;
  /** Random spread as a fraction of the delay (0..1): 0.2 spreads a 1 s delay over 0.8-1.2 s. */
  readonly jitter: number;
}

/** Validates backoff fields; `what` completes the message "cannot create <what>: ...". */
export function validateBackoff(options: BackoffOptions, what: string): BackoffOptions {
  const fail = (why: string): never => {
    throw new AppError(errorCodes.invalidConfig, `cannot create ${what}: ${why}`);
  };
  const { initialInterval, multiplier, maxInterval, jitter } = options;
  if (!Number.isFinite(initialInterval) || initialInterval < 0) fail(`initialInterval must be a finite number >= 0, got ${initialInterval}`);
  if (!Number.isFinite(multiplier) || multiplier < 1) fail(`multiplier must be a finite number >= 1, got ${multiplier}`);
  if (!Number.isFinite(maxInterval) || maxInterval < initialInterval) fail(`maxInterval must be a finite number >= initialInterval, got ${maxInterval}`);
  if (!Number.isFinite(jitter) || jitter < 0 || jitter > 1) fail(`jitter must be between 0 and 1, got ${jitter}`);
  return { initialInterval, multiplier, maxInterval, jitter };
}

/** Delay in milliseconds before retry number `attempt` (1-based); never above maxInterval. */
export function backoffDelay(options: BackoffOptions, attempt: number): number {
  // Cap the base so that base + jitter never exceeds maxInterval while the spread stays smooth.
  const cap = options.maxInterval / (1 + options.jitter);
  const base = Math.min(cap, options.initialInterval * options.multiplier ** Math.max(0, attempt - 1));
  const spread = base * options.jitter;
  return Math.max(0, Math.round(base - spread + Math.random() * 2 * spread));
}

/** Resolves after `ms`, or early (without rejecting) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
