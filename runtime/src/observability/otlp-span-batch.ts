/**
 * Finished spans written straight into OTLP's protobuf bytes (`ExportTraceServiceRequest`,
 * opentelemetry-proto `trace/v1/trace.proto`) as each one ends, for span-batch-processor.ts.
 *
 * The stock path keeps every `ReadableSpan` until its batch is exported, then builds the OTLP object
 * tree of the whole batch (`createExportTraceServiceRequest`) and encodes it with protobufjs. Under
 * load the kept spans outlive V8's young generation and are promoted, and the tree is a second copy
 * of each span made only to be encoded (issue 18: about 15 % of a traced GET's CPU went to the
 * batch's export and the extra garbage collection). Here a span is encoded once, when it ends, into
 * one growing buffer per batch, and dies young; the envelope (resource, scope) is added when the
 * batch is sealed. The message is the one the stock serializer writes: the same fields from the same
 * span properties (otlp-transformer `sdkSpanToOtlpSpan`, `toAnyValue`), pinned by
 * otlp-span-batch.test.ts, which decodes both encodings of the same spans and compares them.
 */
import type { Attributes, HrTime, Link } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

const varintType = 0;
const fixed64Type = 1;
const lengthType = 2;
const fixed32Type = 5;
/** OTLP `SpanFlags`: the lower 8 bits are the W3C trace flags; these two say whether the parent is remote. */
const contextHasIsRemote = 0x100;
const contextIsRemote = 0x200;
const nanosPerSecond = 1_000_000_000n;

/** The value of a hex digit's character code (ids are lower-case hex; upper case is read too). */
function hexDigit(code: number): number {
  return code <= 0x39 ? code - 0x30 : (code | 0x20) - 0x57;
}

/** A growing byte buffer with protobuf's wire encodings (varints, fixed widths, length-delimited fields). */
class ProtoWriter {
  bytes: Buffer;
  length = 0;

  constructor(capacity: number) {
    this.bytes = Buffer.allocUnsafe(capacity);
  }

  reserve(more: number): void {
    if (this.length + more <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.length + more));
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }

  /** An unsigned varint below 2^53. */
  varint(value: number): void {
    this.reserve(8);
    if (value < 0x80) {
      this.bytes[this.length++] = value;
      return;
    }
    while (value > 0x7f) {
      this.bytes[this.length++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    this.bytes[this.length++] = value;
  }

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  uint32(field: number, value: number): void {
    this.tag(field, varintType);
    this.varint(value >>> 0);
  }

  /** A signed 64-bit varint (two's complement, as protobuf writes a negative int64). */
  int64(field: number, value: number): void {
    this.tag(field, varintType);
    if (value >= 0 && value <= Number.MAX_SAFE_INTEGER) {
      this.varint(value);
      return;
    }
    let bits = BigInt.asUintN(64, BigInt(value));
    this.reserve(10);
    while (bits > 0x7fn) {
      this.bytes[this.length++] = Number(bits & 0x7fn) | 0x80;
      bits >>= 7n;
    }
    this.bytes[this.length++] = Number(bits);
  }

  fixed32(field: number, value: number): void {
    this.tag(field, fixed32Type);
    this.reserve(4);
    this.length = this.bytes.writeUInt32LE(value >>> 0, this.length);
  }

  double(field: number, value: number): void {
    this.tag(field, fixed64Type);
    this.reserve(8);
    this.length = this.bytes.writeDoubleLE(value, this.length);
  }

  /**
   * A time as fixed64 nanoseconds since the epoch (`[seconds, nanoseconds]`, fractions cut as the
   * stock encoder cuts them). Seconds times 10^9 passes 2^53, so the product is made from 16-bit
   * halves, each partial product exact in a double; a time outside 0 to 2^32 s goes through BigInt.
   */
  time(field: number, time: HrTime): void {
    this.tag(field, fixed64Type);
    this.reserve(8);
    const seconds = Math.trunc(time[0]);
    const nanos = Math.trunc(time[1]);
    if (seconds < 0 || seconds > 0xffffffff || nanos < 0 || nanos >= 1e9) {
      this.length = this.bytes.writeBigUInt64LE(BigInt.asUintN(64, BigInt(seconds) * nanosPerSecond + BigInt(nanos)), this.length);
      return;
    }
    const high16 = Math.floor(seconds / 0x10000);
    const low16 = seconds % 0x10000;
    // 10^9 = 0x3b9a * 2^16 + 0xca00
    const middle = high16 * 0xca00 + low16 * 0x3b9a;
    const low = (middle % 0x10000) * 0x10000 + low16 * 0xca00 + nanos;
    this.bytes.writeUInt32LE(low % 0x100000000, this.length);
    this.bytes.writeUInt32LE(high16 * 0x3b9a + Math.floor(middle / 0x10000) + Math.floor(low / 0x100000000), this.length + 4);
    this.length += 8;
  }

  bool(field: number, value: boolean): void {
    this.tag(field, varintType);
    this.reserve(1);
    this.bytes[this.length++] = value ? 1 : 0;
  }

  string(field: number, value: string): void {
    this.tag(field, lengthType);
    const count = value.length;
    if (count < 0x80) {
      // Short ASCII (names, keys, paths) byte by byte: cheaper than a call into C++.
      this.reserve(count + 1);
      const bytes = this.bytes;
      let at = this.length + 1;
      let index = 0;
      for (; index < count; index++) {
        const code = value.charCodeAt(index);
        if (code >= 0x80) break;
        bytes[at++] = code;
      }
      if (index === count) {
        bytes[this.length] = count;
        this.length = at;
        return;
      }
    }
    const start = this.begin(count * 3);
    this.length += this.bytes.write(value, this.length, 'utf8');
    this.end(start);
  }

  bytesField(field: number, value: Uint8Array): void {
    this.tag(field, lengthType);
    const start = this.begin(value.length);
    this.bytes.set(value, this.length);
    this.length += value.length;
    this.end(start);
  }

  /** A span or trace id (16 or 8 bytes), given as hex, written as its bytes. */
  id(field: number, hex: string): void {
    this.tag(field, lengthType);
    const size = hex.length >> 1;
    this.reserve(size + 1);
    const bytes = this.bytes;
    bytes[this.length++] = size;
    for (let index = 0; index < size; index++) bytes[this.length++] = (hexDigit(hex.charCodeAt(2 * index)) << 4) | hexDigit(hex.charCodeAt(2 * index + 1));
  }

  /** Opens a length-delimited value (its tag already written) of at least `room` more bytes: one length byte kept. */
  begin(room = 0): number {
    this.reserve(room + 1);
    const start = this.length;
    this.length += 1;
    return start;
  }

  /** Closes what `begin` opened: writes its length, moving the value when the length needs more than one byte. */
  end(start: number): void {
    const size = this.length - start - 1;
    if (size < 0x80) {
      this.bytes[start] = size;
      return;
    }
    let extra = 0;
    for (let rest = size >>> 7; rest > 0x7f; rest >>>= 7) extra++;
    extra++;
    this.reserve(extra);
    this.bytes.copy(this.bytes, start + 1 + extra, start + 1, this.length);
    this.length += extra;
    let value = size;
    let at = start;
    while (value > 0x7f) {
      this.bytes[at++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.bytes[at] = value;
  }

  /** An `AnyValue`, as otlp-transformer's `toAnyValue` maps a JavaScript value (an unknown type: the empty value). */
  anyValue(field: number, value: unknown): void {
    this.tag(field, lengthType);
    const start = this.begin();
    if (typeof value === 'string') this.string(1, value);
    else if (typeof value === 'number') {
      if (Number.isInteger(value)) this.int64(3, value);
      else this.double(4, value);
    } else if (typeof value === 'boolean') this.bool(2, value);
    else if (value instanceof Uint8Array) this.bytesField(7, value);
    else if (Array.isArray(value)) {
      this.tag(5, lengthType);
      const array = this.begin();
      for (const item of value as unknown[]) this.anyValue(1, item);
      this.end(array);
    } else if (typeof value === 'object' && value !== null) {
      this.tag(6, lengthType);
      const list = this.begin();
      for (const [key, item] of Object.entries(value)) this.keyValue(1, key, item);
      this.end(list);
    }
    this.end(start);
  }

  keyValue(field: number, key: string, value: unknown): void {
    this.tag(field, lengthType);
    const start = this.begin();
    this.string(1, key);
    this.anyValue(2, value);
    this.end(start);
  }

  attributes(field: number, attributes: Attributes): void {
    for (const key of Object.keys(attributes)) this.keyValue(field, key, attributes[key]);
  }
}

/** OTLP `Span.flags`: the trace flags, and whether the parent (or linked) context is remote. */
function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | contextHasIsRemote | (isRemote === true ? contextIsRemote : 0);
}

function writeEvent(writer: ProtoWriter, event: TimedEvent): void {
  writer.tag(11, lengthType);
  const start = writer.begin();
  writer.time(1, event.time);
  writer.string(2, event.name);
  if (event.attributes !== undefined) writer.attributes(3, event.attributes);
  if ((event.droppedAttributesCount ?? 0) > 0) writer.uint32(4, event.droppedAttributesCount ?? 0);
  writer.end(start);
}

function writeLink(writer: ProtoWriter, link: Link): void {
  writer.tag(13, lengthType);
  const start = writer.begin();
  writer.id(1, link.context.traceId);
  writer.id(2, link.context.spanId);
  const traceState = link.context.traceState?.serialize();
  if (traceState) writer.string(3, traceState);
  if (link.attributes !== undefined) writer.attributes(4, link.attributes);
  if ((link.droppedAttributesCount ?? 0) > 0) writer.uint32(5, link.droppedAttributesCount ?? 0);
  writer.fixed32(6, spanFlags(link.context.traceFlags, link.context.isRemote));
  writer.end(start);
}

/** Writes `span` as a `ScopeSpans.spans` entry (field 2). */
function writeSpan(writer: ProtoWriter, span: ReadableSpan): void {
  const context = span.spanContext();
  const parent = span.parentSpanContext;
  writer.tag(2, lengthType);
  const start = writer.begin(128);
  writer.id(1, context.traceId);
  writer.id(2, context.spanId);
  const traceState = context.traceState?.serialize();
  if (traceState) writer.string(3, traceState);
  if (parent?.spanId) writer.id(4, parent.spanId);
  writer.string(5, span.name);
  // The API's kinds start at INTERNAL = 0; OTLP's at SPAN_KIND_UNSPECIFIED = 0.
  writer.uint32(6, span.kind + 1);
  writer.time(7, span.startTime);
  writer.time(8, span.endTime);
  writer.attributes(9, span.attributes);
  if (span.droppedAttributesCount > 0) writer.uint32(10, span.droppedAttributesCount);
  for (const event of span.events) writeEvent(writer, event);
  if (span.droppedEventsCount > 0) writer.uint32(12, span.droppedEventsCount);
  for (const link of span.links) writeLink(writer, link);
  if (span.droppedLinksCount > 0) writer.uint32(14, span.droppedLinksCount);
  writer.tag(15, lengthType);
  const status = writer.begin();
  if (span.status.message) writer.string(2, span.status.message);
  if (span.status.code !== 0) writer.uint32(3, span.status.code);
  writer.end(status);
  writer.fixed32(16, spanFlags(context.traceFlags, parent?.isRemote));
  writer.end(start);
}

/** The spans of one resource and instrumentation scope in a batch, already encoded. */
interface ScopeGroup {
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
  readonly spans: ProtoWriter;
}

function sameScope(a: InstrumentationScope, b: InstrumentationScope): boolean {
  return a === b || (a.name === b.name && (a.version ?? '') === (b.version ?? '') && (a.schemaUrl ?? '') === (b.schemaUrl ?? ''));
}

/**
 * A batch of finished spans as OTLP protobuf: `add` encodes a span (nothing of it is kept), `encode`
 * writes the export request (one `ResourceSpans` per resource, one `ScopeSpans` per scope, as the
 * stock serializer groups them).
 */
export class SpanBatch {
  private readonly groups: ScopeGroup[] = [];
  /** Spans added. */
  count = 0;

  /** The resources of the spans added; an export waits for their asynchronous attributes first. */
  get resources(): Resource[] {
    return [...new Set(this.groups.map((group) => group.resource))];
  }

  /**
   * Encodes `span` into the batch, whole or not at all: a span that cannot be encoded (a link's
   * attributes are not checked by the SDK, and a cyclic object there never ends) leaves the batch as
   * it was, and the error is thrown.
   */
  add(span: ReadableSpan): void {
    const found = this.groups.find((candidate) => candidate.resource === span.resource && sameScope(candidate.scope, span.instrumentationScope));
    const group = found ?? { resource: span.resource, scope: span.instrumentationScope, spans: new ProtoWriter(16 * 1024) };
    const before = group.spans.length;
    try {
      writeSpan(group.spans, span);
    } catch (error) {
      group.spans.length = before;
      throw error;
    }
    if (found === undefined) this.groups.push(group);
    this.count += 1;
  }

  /** The `ExportTraceServiceRequest` holding every span added. */
  encode(): Uint8Array {
    const request = new ProtoWriter(this.groups.reduce((bytes, group) => bytes + group.spans.length, 1024));
    for (const resource of this.resources) {
      request.tag(1, lengthType);
      const resourceSpans = request.begin();
      request.tag(1, lengthType);
      const resourceStart = request.begin();
      request.attributes(1, resource.attributes);
      request.end(resourceStart);
      for (const group of this.groups) {
        if (group.resource !== resource) continue;
        request.tag(2, lengthType);
        const scopeSpans = request.begin(group.spans.length);
        request.tag(1, lengthType);
        const scope = request.begin();
        request.string(1, group.scope.name);
        if (group.scope.version) request.string(2, group.scope.version);
        request.end(scope);
        request.reserve(group.spans.length);
        request.length += group.spans.bytes.copy(request.bytes, request.length, 0, group.spans.length);
        if (group.scope.schemaUrl) request.string(3, group.scope.schemaUrl);
        request.end(scopeSpans);
      }
      if (resource.schemaUrl) request.string(3, resource.schemaUrl);
      request.end(resourceSpans);
    }
    return request.bytes.subarray(0, request.length);
  }
}
