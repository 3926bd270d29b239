/**
 * CPU per span of turning a batch of finished spans into an OTLP/JSON request body: the stock
 * JsonTraceSerializer (otlp-transformer) against the runtime's lean one (otlp-json.ts), on batches
 * like a traced GET's (server span and statement span), alternated.
 * `node bench/prototypes/otlp-serialize-micro.ts [rounds=5]`
 */
import { SpanKind, context } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { leanJsonTraceSerializer } from './otlp-json-lean.ts';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'platform-service' }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('@platform/runtime');
for (let index = 0; index < 256; index++) {
  const server = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'url.path': `/api/platforms/${index}` } });
  const db = tracer.startSpan('db select', { kind: SpanKind.CLIENT, attributes: { 'db.operation.name': 'select', 'db.query.summary': 'select "p0"."id",' } }, trace(server));
  db.end();
  server.updateName('GET getPlatformById');
  server.setAttribute('http.response.status_code', 200);
  server.end();
}
function trace(span: ReturnType<typeof tracer.startSpan>) {
  return (globalThis as { otelTrace?: never }).otelTrace ?? context.active().setValue(Symbol.for('OpenTelemetry Context Key SPAN'), span);
}
const batch = exporter.getFinishedSpans();
const rounds = Number(process.argv[2] ?? 5);
const serializers = { stock: JsonTraceSerializer, lean: leanJsonTraceSerializer, protobuf: ProtobufTraceSerializer };
for (let round = 1; round <= rounds; round++) {
  const line: string[] = [];
  for (const [name, serializer] of Object.entries(serializers)) {
    const before = process.cpuUsage();
    let bytes = 0;
    for (let i = 0; i < 400; i++) bytes += serializer.serializeRequest(batch as never)?.length ?? 0;
    const used = process.cpuUsage(before);
    line.push(`${name} ${(((used.user + used.system) / (400 * batch.length)) * 1000).toFixed(0)} ns/span (${(bytes / 400 / batch.length).toFixed(0)} B/span)`);
  }
  console.log(`round ${round}: ${line.join(', ')}`);
}
