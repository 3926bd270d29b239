export { AppError, errorCodes, isAppError } from './app-error.ts';
export type { ErrorCode } from './app-error.ts';
