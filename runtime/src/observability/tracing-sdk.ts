/**
 * The OpenTelemetry SDK half of tracing.ts: the tracer provider and its OTLP/HTTP exporter. A
 * module of its own so that it is imported only when traces are configured (tracing.ts
 * `loadTracingSdk`): the SDK and the exporter's protobuf serializers weigh several MB of memory,
 * which a part without a collector should not hold (issue 18, idle RSS).
 */
import { context, propagation } from '@opentelemetry/api';
import type { Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

let contextReady = false;

/** A tracer provider for part `name` exporting to `url` (`<endpoint>/v1/traces`): its tracer and its flush. */
export function createTracerProvider(name: string, url: string): { readonly tracer: Tracer; flush(): Promise<void> } {
  if (!contextReady) {
    // Process-wide, once: the active span follows async work (AsyncLocalStorage).
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    contextReady = true;
  }
  const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url }));
  const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ 'service.name': name }), spanProcessors: [processor] });
  return { tracer: provider.getTracer('@platform/runtime'), flush: () => provider.forceFlush() };
}
