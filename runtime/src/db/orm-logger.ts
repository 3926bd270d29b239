import type { Logger as OrmLogger, LogContext, LoggerNamespace, LoggerOptions as OrmLoggerOptions } from '@mikro-orm/core';
import type { Logger } from '../logging/index.ts';

function fields(namespace: string, context?: LogContext): Record<string, unknown> {
  return context?.label === undefined ? { orm: namespace } : { orm: namespace, label: context.label };
}

/**
 * Adapts MikroORM's logger to ours: SQL statements (when ORM debug is on) become `debug` lines
 * with the statement and its timing as fields; ORM warnings and errors are always written.
 */
export function createOrmLogger(logger: Logger, options: OrmLoggerOptions): OrmLogger {
  let debugMode = options.debugMode ?? false;

  function isEnabled(namespace: LoggerNamespace, context?: LogContext): boolean {
    if (context?.enabled !== undefined) return context.enabled;
    if (namespace === 'deprecated' || namespace === 'slow-query') return true;
    const mode = context?.debugMode ?? debugMode;
    return mode === true || (Array.isArray(mode) && mode.includes(namespace));
  }

  return {
    log(namespace, message, context) {
      if (context?.level === 'error') logger.error(fields(namespace, context), message);
      else if (context?.level === 'warning') logger.warn(fields(namespace, context), message);
      else if (isEnabled(namespace as LoggerNamespace, context)) logger.debug(fields(namespace, context), message);
    },
    error(namespace, message, context) {
      logger.error(fields(namespace, context), message);
    },
    warn(namespace, message, context) {
      logger.warn(fields(namespace, context), message);
    },
    logQuery(context) {
      const namespace = context.namespace ?? 'query';
      if (!isEnabled(namespace, context)) return;
      const line = { ...fields(namespace, context), sql: context.query, took: context.took, results: context.results, affected: context.affected };
      if (namespace === 'slow-query') logger.warn(line, 'slow query');
      else logger.debug(context.level === 'error' ? { ...line, failed: true } : line, 'query');
    },
    setDebugMode(mode) {
      debugMode = mode;
    },
    isEnabled,
  };
}
