export { createLogger, logLevels } from './create-logger.ts';
export type { Logger, LoggerOptions, LogLevel } from './create-logger.ts';
export { newRequestId, requestIdFrom } from './request-id.ts';
export type { IncomingHeaders } from './request-id.ts';
export { accessLineWriter } from './access-line.ts';
export type { AccessLevel, AccessLine, AccessLineWriter } from './access-line.ts';
