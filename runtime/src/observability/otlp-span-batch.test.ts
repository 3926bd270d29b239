/**
 * Our encoding of finished spans against the stock one: the same spans through otlp-transformer's
 * `ProtobufTraceSerializer` and through `SpanBatch`, both decoded with the exporter's own protobuf
 * messages, must give the same spans with the same resource and scope.
 */
import { createRequire } from 'node:module';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, createTraceState, trace } from '@opentelemetry/api';
import type { Tracer } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { SpanBatch } from './otlp-span-batch.ts';

interface Message {
  toJSON(): unknown;
}
interface RequestType {
  decode(bytes: Uint8Array): Message;
  toObject(message: Message, options: object): ExportRequest;
}
interface ExportRequest {
  resourceSpans: { resource: unknown; schemaUrl: string; scopeSpans: { scope: unknown; schemaUrl: string; spans: { spanId: string }[] }[] }[];
}

/** OTLP's protobuf messages, as the exporter's own package defines them. */
const requestType = (createRequire(import.meta.url)('@opentelemetry/otlp-transformer/build/src/generated/root.js') as {
  opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: RequestType } } } } };
}).opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/** Every span of a request with its resource and scope, as a collector reads it (defaults filled in, ids as base64, 64-bit numbers as text). */
function spansOf(bytes: Uint8Array): unknown[] {
  const request = requestType.toObject(requestType.decode(bytes), { longs: String, bytes: String, defaults: true, arrays: true, enums: Number });
  const spans = request.resourceSpans.flatMap((resourceSpans) =>
    resourceSpans.scopeSpans.flatMap((scopeSpans) =>
      scopeSpans.spans.map((span) => ({ resource: resourceSpans.resource, resourceSchemaUrl: resourceSpans.schemaUrl, scope: scopeSpans.scope, scopeSchemaUrl: scopeSpans.schemaUrl, span })),
    ),
  );
  return spans.toSorted((a, b) => a.span.spanId.localeCompare(b.span.spanId));
}

/** How many spans each ScopeSpans of each ResourceSpans holds. */
const grouping = (bytes: Uint8Array): number[][] => requestType.toObject(requestType.decode(bytes), { defaults: true, arrays: true }).resourceSpans.map((resource) => resource.scopeSpans.map((scope) => scope.spans.length));

function recorder(service: string, limits = {}): { exporter: InMemorySpanExporter; provider: BasicTracerProvider } {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': service, 'service.instance.id': 'é-1' }), spanProcessors: [new SimpleSpanProcessor(exporter)], spanLimits: limits });
  return { exporter, provider };
}

/** Spans of every shape a part makes and more: kinds, attribute types, events, links, status, remote parents, trace state, dropped counts. */
function makeSpans(tracer: Tracer, other: Tracer): void {
  const root = tracer.startSpan('GET /api/platforms/{id}', {
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': 'GET',
      'url.path': '/api/platforms/7',
      'http.response.status_code': 200,
      negative: -42,
      large: 2 ** 40,
      beyondSafe: 2 ** 60,
      ratio: 0.25,
      flag: false,
      empty: '',
      text: 'ünïcødé ✓ 𝄞',
      long: 'x'.repeat(300),
      strings: ['a', 'b'],
      numbers: [1, 2.5, -3],
      booleans: [true, false],
      holes: ['a', null, undefined, 'b'],
    },
  });
  const parentContext = trace.setSpan(ROOT_CONTEXT, root);
  const statement = tracer.startSpan('select platforms', { kind: SpanKind.CLIENT, attributes: { 'db.query.text': 'select * from platforms where id = ?' } }, parentContext);
  statement.addEvent('rows read', { rows: 1 });
  statement.addEvent('no attributes');
  statement.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock: retried' });
  statement.end();
  const remote = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: createTraceState('vendor=value,other=1'),
  });
  const consumer = other.startSpan('platforms.events process', {
    kind: SpanKind.CONSUMER,
    links: [{ context: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.NONE, isRemote: true, traceState: createTraceState('k=v') }, attributes: { why: 'batch' } }],
  }, remote);
  consumer.addLink({ context: { traceId: '4bf92f3577b34da6a3ce929d0e0e4737', spanId: '00f067aa0ba902b8', traceFlags: TraceFlags.SAMPLED } });
  consumer.setStatus({ code: SpanStatusCode.OK });
  consumer.end();
  const big = tracer.startSpan('many attributes', { kind: SpanKind.PRODUCER }, parentContext);
  for (let i = 0; i < 400; i++) big.setAttribute(`attribute.${i}`, `value ${'v'.repeat(i % 50)}`);
  big.end();
  tracer.startSpan('internal, no attributes').end();
  // Times at the edges of the encoder's arithmetic: the last second below 2^32, the first past it.
  tracer.startSpan('edges of time', { startTime: [0xffffffff, 999_999_999] }).end([0x100000000, 1]);
  tracer.startSpan('start of time', { startTime: [0, 0] }).end([1, 0]);
  root.end();
}

describe('SpanBatch', () => {
  it('encodes finished spans as the stock protobuf serializer does, decoded by the exporter\'s own messages', async () => {
    const first = recorder('platform-service', { attributeCountLimit: 128, eventCountLimit: 1 });
    const second = recorder('commands-service');
    makeSpans(first.provider.getTracer('@platform/runtime', '1.2.3', { schemaUrl: 'https://opentelemetry.io/schemas/1.28.0' }), first.provider.getTracer('@platform/consumer'));
    makeSpans(second.provider.getTracer('@platform/runtime'), second.provider.getTracer('@platform/runtime'));
    const spans: ReadableSpan[] = [...first.exporter.getFinishedSpans(), ...second.exporter.getFinishedSpans()];
    expect(spans).toHaveLength(14);
    // What the limits dropped is counted, and must travel (the SDK counts no dropped links).
    expect(spans.some((span) => span.droppedAttributesCount > 0)).toBe(true);
    expect(spans.some((span) => span.droppedEventsCount > 0)).toBe(true);

    const batch = new SpanBatch();
    for (const span of spans) batch.add(span);
    expect(batch.count).toBe(14);
    const ours = batch.encode();
    const stock = ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array;
    expect(spansOf(ours)).toEqual(spansOf(stock));
    // One ResourceSpans per resource and one ScopeSpans per scope, as the stock serializer groups them.
    expect(grouping(ours)).toEqual(grouping(stock));
    await Promise.all([first.provider.shutdown(), second.provider.shutdown()]);
  });

  it('takes a span it cannot encode not at all, and goes on with the next', async () => {
    const { exporter, provider } = recorder('platform-service');
    const tracer = provider.getTracer('@platform/runtime');
    tracer.startSpan('before').end();
    // The SDK does not check a link's attributes: a cyclic object there is not encodable.
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const bad = tracer.startSpan('cyclic link');
    bad.addLink({ context: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED }, attributes: cyclic as never });
    bad.end();
    tracer.startSpan('after').end();
    const [before, cyclicSpan, after] = exporter.getFinishedSpans() as [ReadableSpan, ReadableSpan, ReadableSpan];
    const batch = new SpanBatch();
    batch.add(before);
    expect(() => batch.add(cyclicSpan)).toThrow(RangeError);
    batch.add(after);
    expect(batch.count).toBe(2);
    expect(spansOf(batch.encode())).toEqual(spansOf(ProtobufTraceSerializer.serializeRequest([before, after]) as Uint8Array));
    await provider.shutdown();
  });

  it('encodes an empty batch as an empty request', () => {
    const empty = new SpanBatch();
    expect(empty.encode()).toHaveLength(0);
    expect(spansOf(empty.encode())).toEqual([]);
  });

  it('grows its buffer for batches far past its first size, each span intact', async () => {
    const { exporter, provider } = recorder('platform-service');
    const tracer = provider.getTracer('@platform/runtime');
    for (let i = 0; i < 600; i++) tracer.startSpan(`span ${i}`, { attributes: { 'db.query.text': `select ${'c, '.repeat(i % 40)}id from platforms`, i } }).end();
    const spans = exporter.getFinishedSpans();
    const batch = new SpanBatch();
    for (const span of spans) batch.add(span);
    const bytes = batch.encode();
    expect(bytes.length).toBeGreaterThan(64 * 1024);
    expect(spansOf(bytes)).toEqual(spansOf(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array));
    await provider.shutdown();
  });
});
