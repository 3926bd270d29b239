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
 * a span against 4.6 µs, and a third of the bytes). Protobuf spans are batched by our processor
 * (span-batch-processor.ts), which encodes each span as it ends instead of keeping it for the
 * stock serializer (bench/prototypes/otlp-span-batch-micro.ts: about 1.3 µs a span against 3.5 µs).
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
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { createSpanBatchProcessor } from './span-batch-processor.ts';
import type { SpanBatchOptions } from './span-batch-processor.ts';

let contextReady = false;

/** How spans travel to the collector (OTEL_EXPORTER_OTLP_PROTOCOL; gRPC is not offered). */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

/**
 * Batches and OTLP/HTTP to `url` in `protocol`'s encoding, as `exporter-trace-otlp-proto` and `-http`
 * with a `BatchSpanProcessor` would: protobuf through our processor, which encodes each span as it
 * ends (span-batch-processor.ts), JSON through the stock one.
 */
function otlpProcessor(url: string, protocol: OtlpProtocol, batch: SpanBatchOptions): SpanProcessor {
  const options = (contentType: string) => convertLegacyHttpOptions({ url }, 'TRACES', 'v1/traces', { 'Content-Type': contentType });
  if (protocol === 'http/json') return new BatchSpanProcessor(new OTLPExporterBase<ReadableSpan[]>(createOtlpHttpExportDelegate(options('application/json'), JsonTraceSerializer)), batch);
  // The request is already encoded: the delegate sends it as it is and reads the answer as the stock serializer does.
  const serializer = { serializeRequest: (request: Uint8Array) => request, deserializeResponse: ProtobufTraceSerializer.deserializeResponse };
  return createSpanBatchProcessor(new OTLPExporterBase<Uint8Array>(createOtlpHttpExportDelegate(options('application/x-protobuf'), serializer)), batch);
}

/** A tracer provider for part `name` exporting to `url` (`<endpoint>/v1/traces`) in `protocol`, batched by `batch`: its tracer and its flush. */
export function createTracerProvider(name: string, url: string, protocol: OtlpProtocol, batch: SpanBatchOptions = {}): { readonly tracer: Tracer; flush(): Promise<void> } {
  if (!contextReady) {
    // Process-wide, once: the active span follows async work (AsyncLocalStorage).
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    contextReady = true;
  }
  const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ 'service.name': name }), spanProcessors: [otlpProcessor(url, protocol, batch)] });
  return { tracer: provider.getTracer('@platform/runtime'), flush: () => provider.forceFlush() };
}
