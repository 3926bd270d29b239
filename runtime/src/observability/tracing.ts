/**
 * Traces: one OpenTelemetry tracer provider per part (its `service.name`), exporting over OTLP/HTTP
 * when an endpoint is configured, and nothing at all otherwise (no provider, no context manager:
 * the runtime's hooks then skip every tracing step behind one `undefined` check).
 *
 * Spans are made in the runtime's own middleware (REST, gRPC, outbox relay, consumer, SQL
 * statements), not by auto-instrumentation: under ESM that needs an import-in-the-middle loader
 * hook on every module load, and the runtime already has one place per protocol to start a span.
 *
 * The SDK itself (tracing-sdk.ts) is imported only when traces are configured: `loadTracingSdk()`
 * first (telemetry.ts `loadTelemetry`, which runService calls before creating a part), then
 * `createPartTracing`. Here only the small API package is loaded.
 */
import { context, trace } from '@opentelemetry/api';
import type { Context, Span, SpanKind, Tracer } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { AppError, errorCodes } from '../errors/index.ts';
import { spanContextOf, traceparentOf } from './trace-context.ts';
import type { SpanBatchOptions } from './span-batch-processor.ts';
import type * as TracingSdk from './tracing-sdk.ts';

export interface PartTracing {
  readonly tracer: Tracer;
  /** Exports what is buffered; for shutdown. */
  flush(): Promise<void>;
}

let sdk: typeof TracingSdk | undefined;

/** Imports the OpenTelemetry SDK (once); `createPartTracing` needs it. */
export async function loadTracingSdk(): Promise<void> {
  sdk ??= await import('./tracing-sdk.ts');
}

/** Creates the tracing of part `name`, exporting to `<endpoint>/v1/traces` in `protocol`, batched by `batch`. Throws unless `loadTracingSdk()` ran. */
export function createPartTracing(name: string, endpoint: string, protocol: TracingSdk.OtlpProtocol, batch: SpanBatchOptions = {}): PartTracing {
  if (sdk === undefined) throw new AppError(errorCodes.internal, 'cannot trace: the OpenTelemetry SDK is not loaded (await loadTelemetry() before creating a part)');
  return sdk.createTracerProvider(name, `${endpoint.replace(/\/+$/, '')}/v1/traces`, protocol, batch);
}

/** A started span with the context it is active in. */
export interface ActiveSpan {
  readonly span: Span;
  readonly context: Context;
  /** The traceparent naming this span, for what it causes downstream. */
  readonly traceparent: string;
}

/**
 * Starts a span whose parent is `parent` (a traceparent from a header or a message) or, without one,
 * the active span. The caller runs its work in `context` and ends the span.
 */
export function startSpan(tracer: Tracer, name: string, kind: SpanKind, parent: string | undefined, attributes?: Attributes): ActiveSpan {
  const remote = spanContextOf(parent);
  const parentContext = remote === undefined ? context.active() : trace.setSpanContext(context.active(), remote);
  const span = tracer.startSpan(name, { kind, ...(attributes === undefined ? {} : { attributes }) }, parentContext);
  return { span, context: trace.setSpan(parentContext, span), traceparent: traceparentOf(span.spanContext()) };
}
