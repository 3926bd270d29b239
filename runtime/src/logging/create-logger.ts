import { createRequire } from 'node:module';
import { pino } from 'pino';
import type pinoPrettyModule from 'pino-pretty';
import { AppError, errorCodes } from '../errors/index.ts';

/** The platform logger: pino's, so `logger.child({ requestId })` and friends work as documented there. */
export type Logger = pino.Logger;

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

export interface LoggerOptions {
  /** Service name, written as `service` on every line. Required, non-empty. */
  readonly name: string;
  /** Lowest level written. Default 'info'. */
  readonly level?: LogLevel;
  /**
   * Human-readable output (pino-pretty) instead of JSON. Default false. The caller decides,
   * typically from configuration plus `process.stdout.isTTY`; production always logs JSON.
   */
  readonly pretty?: boolean;
  /** Where lines go. Default standard output. Tests pass a stream to read lines back. */
  readonly destination?: pino.DestinationStream;
}

/** Values never written to logs (credentials that could ride along in logged requests). */
const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'password',
  '*.password',
];

/**
 * Creates the logger of one service: one JSON line per event with `level` (as a word),
 * ISO `time`, `service` and `msg`; `err` and `error` fields are serialized with stack and cause.
 */
export function createLogger(options: LoggerOptions): Logger {
  const { name, level = 'info', pretty = false } = options;
  if (name.trim() === '') throw new AppError(errorCodes.invalidArgument, 'cannot create logger: name must not be empty');
  if (!logLevels.includes(level)) {
    throw new AppError(errorCodes.invalidArgument, `cannot create logger: level must be one of ${logLevels.join(', ')} (got ${JSON.stringify(level)})`);
  }
  // pino-pretty only when asked for: production (JSON) never loads it.
  const destination = pretty
    ? (createRequire(import.meta.url)('pino-pretty') as typeof pinoPrettyModule)({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', ...(options.destination ? { destination: options.destination } : {}) })
    : options.destination;
  const loggerOptions: pino.LoggerOptions = {
    level,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    redact: { paths: redactedPaths, censor: '[redacted]' },
  };
  // Standard output is written synchronously: pino's default asynchronous writer can let the
  // lines flushed at process.exit overtake a write still in the thread pool, reordering the last
  // lines of a shutdown (seen in the shutdown tests under load), and a crash may lose them.
  return pino(loggerOptions, destination ?? pino.destination({ dest: 1, sync: true }));
}
