/**
 * W3C trace context as strings (traceparent `00-<trace id>-<span id>-<flags>`), cheap enough for the
 * hot path whether tracing is on or off: the trace id of a log line comes from here when no span does.
 */
import type { SpanContext } from '@opentelemetry/api';

const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The trace id of a well-formed version-00 traceparent, otherwise undefined. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  if (traceparent === undefined) return undefined;
  const match = traceparentPattern.exec(traceparent);
  return match === null || /^0+$/.test(match[1] as string) ? undefined : match[1];
}

/** The span context a traceparent names (a remote parent), or undefined when it is malformed. */
export function spanContextOf(traceparent: string | undefined): SpanContext | undefined {
  if (traceparent === undefined) return undefined;
  const match = traceparentPattern.exec(traceparent);
  if (match === null) return undefined;
  const [, traceId, spanId, flags] = match as unknown as [string, string, string, string];
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16), isRemote: true };
}

/** The traceparent of a span context. */
export function traceparentOf(context: SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.traceFlags.toString(16).padStart(2, '0')}`;
}
