/**
 * The settings every service reads, spread into its own settings object, and the logger options
 * they give (the default of `runService` and `runMigrations`).
 */
import { duration, oneOf, optionalString } from '../config/index.ts';
import type { Setting } from '../config/index.ts';
import { logLevels } from '../logging/index.ts';
import type { LoggerOptions, LogLevel } from '../logging/index.ts';

/** A duration of at least 1 ms: a time budget of 0 would end every wait at once. */
function budget(variable: string, defaultValue: string): Setting<number> {
  const inner = duration(variable, defaultValue);
  return {
    variable,
    parse(raw) {
      const result = inner.parse(raw);
      return result.ok && result.value < 1 ? { ok: false, problem: 'must be at least 1ms' } : result;
    },
  };
}

/** HOST, NODE_ENV, LOG_LEVEL, LOG_FORMAT and SHUTDOWN_TIMEOUT: what every service reads. */
export const serviceSettings = {
  /** Interface the listeners bind; unset binds every interface. */
  host: optionalString('HOST'),
  /** `production` turns response validation off, applies migrations instead of creating the schema, and requires an issuer. */
  nodeEnv: oneOf('NODE_ENV', ['development', 'test', 'production'], 'development'),
  logLevel: oneOf('LOG_LEVEL', logLevels, 'info'),
  /** `json`: one JSON line per event (production); `pretty`: human-readable lines. */
  logFormat: oneOf('LOG_FORMAT', ['json', 'pretty'], 'json'),
  /** Time a graceful shutdown (SIGTERM, SIGINT) may take before the process exits 1. */
  shutdownTimeout: budget('SHUTDOWN_TIMEOUT', '10s'),
};

/** The logging part of a configuration: LOG_LEVEL and LOG_FORMAT (`auto`: pretty on a terminal). */
export interface LoggingConfig {
  readonly logLevel?: LogLevel;
  readonly logFormat?: 'json' | 'pretty' | 'auto';
}

/** Logger options from LOG_LEVEL and LOG_FORMAT. */
export function loggerOptions(config: LoggingConfig): Pick<LoggerOptions, 'level' | 'pretty'> {
  const pretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY === true);
  return { level: config.logLevel ?? 'info', pretty };
}
