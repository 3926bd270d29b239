/**
 * Error codes shared by every boundary. Each maps to one HTTP status (problem+json),
 * one Connect code (RPC) and one messaging decision (retry or dead-letter).
 */
export const errorCodes = {
  invalidArgument: 'invalid_argument',
  notFound: 'not_found',
  alreadyExists: 'already_exists',
  unavailable: 'unavailable',
  deadlineExceeded: 'deadline_exceeded',
  /** No credentials, or credentials that are not valid (a bearer token that fails verification). */
  unauthenticated: 'unauthenticated',
  /** Valid credentials that do not grant what the operation needs (a missing scope). */
  permissionDenied: 'permission_denied',
  internal: 'internal',
  /** A message that can never be processed (bad payload): dead-letter it at once. */
  poisonMessage: 'poison_message',
  /** Configuration missing or invalid at start-up. */
  invalidConfig: 'invalid_config',
} as const;

export type ErrorCode = (typeof errorCodes)[keyof typeof errorCodes];

/** Whether retrying the same operation later may succeed. */
const transientCodes: ReadonlySet<ErrorCode> = new Set([errorCodes.unavailable, errorCodes.deadlineExceeded, errorCodes.internal]);

/**
 * The one coded error type of the platform. Messages read "cannot <do what>: <why>".
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  /** Extra, safe-to-show details (for example the offending fields). */
  readonly details: readonly { path: string; message: string }[];

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: readonly { path: string; message: string }[] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options?.details ?? [];
  }

  /** Whether the failed operation may succeed when tried again. */
  get transient(): boolean {
    return transientCodes.has(this.code);
  }
}

/** Narrows an unknown thrown value to AppError, optionally of one code. */
export function isAppError(value: unknown, code?: ErrorCode): value is AppError {
  return value instanceof AppError && (code === undefined || value.code === code);
}
