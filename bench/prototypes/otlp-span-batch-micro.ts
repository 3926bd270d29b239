/**
 * CPU per span of encoding finished spans as OTLP protobuf: the stock path (otlp-transformer's
 * `ProtobufTraceSerializer` on a batch of kept spans) against the runtime's `SpanBatch`
 * (runtime/src/observability/otlp-span-batch.ts: each span encoded as it is added, the envelope at
 * the end), on batches of 512 spans like a traced GET's (server span and statement span), alternated.
 * `node bench/prototypes/otlp-span-batch-micro.ts [rounds=5] [other SpanBatch module to compare]`
 */
import { SpanKind, context, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanBatch } from '../../runtime/src/observability/otlp-span-batch.ts';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'platform-service' }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('@platform/runtime');
for (let index = 0; index < 256; index++) {
  const server = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'url.path': `/api/platforms/${index}` } });
  const db = tracer.startSpan('db select', { kind: SpanKind.CLIENT, attributes: { 'db.operation.name': 'select', 'db.query.summary': 'select "p0"."id",' } }, trace.setSpan(context.active(), server));
  db.end();
  server.updateName('GET getPlatformById');
  server.setAttribute('http.response.status_code', 200);
  server.end();
}
const spans = exporter.getFinishedSpans();
const rounds = Number(process.argv[2] ?? 5);
type Encode = (batch: readonly ReadableSpan[]) => number;
const encoders: Record<string, Encode> = {
  stock: (batch) => (ProtobufTraceSerializer.serializeRequest(batch as ReadableSpan[]) as Uint8Array).length,
  'span-batch': (batch) => {
    const encoded = new SpanBatch();
    for (const span of batch) encoded.add(span);
    return encoded.encode().length;
  },
};
if (process.argv[3] !== undefined) {
  const Other = ((await import(process.argv[3])) as { SpanBatch: typeof SpanBatch }).SpanBatch;
  encoders.other = (batch) => {
    const encoded = new Other();
    for (const span of batch) encoded.add(span);
    return encoded.encode().length;
  };
}
const batches = 400;
for (let round = 1; round <= rounds; round++) {
  const line: string[] = [];
  for (const [name, encode] of round % 2 === 0 ? Object.entries(encoders).toReversed() : Object.entries(encoders)) {
    let bytes = 0;
    for (let i = 0; i < 50; i++) bytes += encode(spans); // warm
    const before = process.cpuUsage();
    for (let i = 0; i < batches; i++) bytes += encode(spans);
    const used = process.cpuUsage(before);
    line.push(`${name} ${(((used.user + used.system) / (batches * spans.length))).toFixed(2)} µs/span (${(bytes / ((batches + 50) * spans.length)).toFixed(0)} B/span)`);
  }
  console.log(`round ${round}: ${line.join(', ')}`);
}
await provider.shutdown();
