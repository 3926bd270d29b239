import type { Logger as OrmLogger, LogContext, LoggerNamespace, LoggerOptions as OrmLoggerOptions } from '@mikro-orm/core';
import { SpanKind, SpanStatusCode, context as otelContext, trace } from '@opentelemetry/api';
import type { Tracer } from '@opentelemetry/api';
import type { Logger } from '../logging/index.ts';
import { telemetryOf } from '../observability/telemetry.ts';

function fields(namespace: string, context?: LogContext): Record<string, unknown> {
  return context?.label === undefined ? { orm: namespace } : { orm: namespace, label: context.label };
}

/** A statement's span name and summary; statements are prepared texts (values bound), so there are few. */
interface StatementNames {
  readonly operation: string;
  readonly summary: string;
}

const statementNames = new Map<string, StatementNames>();
/** Texts kept at most; past it the names are made again for each statement (no value is ever in a text, so it is not reached). */
const statementNamesKept = 1000;

function namesOf(statement: string): StatementNames {
  let names = statementNames.get(statement);
  if (names !== undefined) return names;
  const operation = /^\s*(\w+)/.exec(statement)?.[1]?.toLowerCase() ?? 'query';
  // The statement's first words only (`insert into "platforms"`): its values may be personal data.
  names = { operation, summary: statement.trim().split(/\s+/, 3).join(' ').slice(0, 120) };
  if (statementNames.size < statementNamesKept) statementNames.set(statement, names);
  return names;
}

/**
 * With tracing on, a statement run while a span is active (a request, a message) becomes its child
 * span, timed from what MikroORM measured: the database write of a trace.
 */
function statementSpan(tracer: Tracer, query: LogContext): void {
  if (trace.getSpan(otelContext.active()) === undefined || typeof query.query !== 'string') return;
  const end = Date.now();
  const { operation, summary } = namesOf(query.query);
  const span = tracer.startSpan(`db ${operation}`, { kind: SpanKind.CLIENT, startTime: end - (query.took ?? 0), attributes: { 'db.operation.name': operation, 'db.query.summary': summary } });
  if (query.level === 'error') span.setStatus({ code: SpanStatusCode.ERROR });
  span.end(end);
}

/**
 * Adapts MikroORM's logger to ours: SQL statements (when ORM debug is on) become `debug` lines
 * with the statement and its timing as fields; ORM warnings and errors are always written.
 */
export function createOrmLogger(logger: Logger, options: OrmLoggerOptions): OrmLogger {
  let debugMode = options.debugMode ?? false;
  const tracer = telemetryOf(logger).tracing?.tracer;

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
      if (tracer !== undefined) statementSpan(tracer, context);
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
