/**
 * The OpenTelemetry SDK half of tracing.ts: the tracer provider and its OTLP/HTTP exporter. A
 * module of its own so that it is imported only when traces are configured (tracing.ts
 * `loadTracingSdk`): the SDK and the exporter's protobuf serializers weigh several MB of memory,
 * which a part without a collector should not hold (issue 18, idle RSS).
 *
 * The exporter is the stock OTLP/HTTP one (`@opentelemetry/otlp-exporter-base`: transport, retries,
 * timeout, OTEL_EXPORTER_OTLP_* headers and compression) with the body encoding the protocol
 * setting names: protobuf by default, as the OpenTelemetry specification's default, and because it
 * costs a traced request less than JSON does (bench/prototypes/otlp-serialize-micro.ts: about 2 µs
 * a span against 4.6 µs, and a third of the bytes).
 */
import { context, propagation } from '@opentelemetry/api';
import type { Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

let contextReady = false;

/** How spans travel to the collector (OTEL_EXPORTER_OTLP_PROTOCOL; gRPC is not offered). */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

/** OTLP/HTTP to `url` in `protocol`'s encoding: what `exporter-trace-otlp-proto` and `-http` build. */
function otlpExporter(url: string, protocol: OtlpProtocol): SpanExporter {
  const [serializer, contentType] = protocol === 'http/json' ? [JsonTraceSerializer, 'application/json'] : [ProtobufTraceSerializer, 'application/x-protobuf'];
  return new OTLPExporterBase<ReadableSpan[]>(createOtlpHttpExportDelegate(convertLegacyHttpOptions({ url }, 'TRACES', 'v1/traces', { 'Content-Type': contentType }), serializer));
}

/** A tracer provider for part `name` exporting to `url` (`<endpoint>/v1/traces`) in `protocol`: its tracer and its flush. */
export function createTracerProvider(name: string, url: string, protocol: OtlpProtocol): { readonly tracer: Tracer; flush(): Promise<void> } {
  if (!contextReady) {
    // Process-wide, once: the active span follows async work (AsyncLocalStorage).
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    contextReady = true;
  }
  const processor = new BatchSpanProcessor(otlpExporter(url, protocol));
  const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ 'service.name': name }), spanProcessors: [processor] });
  return { tracer: provider.getTracer('@platform/runtime'), flush: () => provider.forceFlush() };
}
