/**
 * Traces: one OpenTelemetry tracer provider per part (its `service.name`), exporting over OTLP/HTTP
 * when an endpoint is configured, and nothing at all otherwise (no provider, no context manager:
 * the runtime's hooks then skip every tracing step behind one `undefined` check).
 *
 * Spans are made in the runtime's own middleware (REST, gRPC, outbox relay, consumer, SQL
 * statements), not by auto-instrumentation: under ESM that needs an import-in-the-middle loader
 * hook on every module load, and the runtime already has one place per protocol to start a span.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import type { Context, Span, SpanKind, Tracer } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { spanContextOf, traceparentOf } from './trace-context.ts';

export interface PartTracing {
  readonly tracer: Tracer;
  /** Exports what is buffered; for shutdown. */
  flush(): Promise<void>;
}

let contextReady = false;

/** Creates the tracing of part `name`, exporting to `<endpoint>/v1/traces`. */
export function createPartTracing(name: string, endpoint: string): PartTracing {
  if (!contextReady) {
    // Process-wide, once: the active span follows async work (AsyncLocalStorage).
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    contextReady = true;
  }
  const url = `${endpoint.replace(/\/+$/, '')}/v1/traces`;
  const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url }));
  const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ 'service.name': name }), spanProcessors: [processor] });
  return { tracer: provider.getTracer('@platform/runtime'), flush: () => provider.forceFlush() };
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
