/**
 * A measured and rejected prototype (issue 18, tracing's cost; otlp-serialize-micro.ts measures it):
 * it writes the stock serializer's bytes (checked byte for byte against it on generated spans while
 * it was in the runtime), yet costs more than the stock serializer (about 6.5 µs a span against
 * 4.6), because V8's JSON.stringify of the OTLP tree beats string building in JavaScript. The
 * runtime exports protobuf instead (tracing-sdk.ts).
 *
 * OTLP/JSON export requests written straight from the SDK's finished spans: the bytes the stock JsonTraceSerializer of `@opentelemetry/otlp-transformer` sends, made
 * without its intermediate tree. The stock one builds an OTLP object per span (attribute objects,
 * BigInt arithmetic for each timestamp, maps per resource and scope), then stringifies and encodes
 * it; this one writes each span's text once, and each resource's and scope's once per process.
 */
import type { HrTime, Link, SpanContext } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

type Resource = ReadableSpan['resource'];
type Scope = ReadableSpan['instrumentationScope'];

/** What the OTLP HTTP delegate needs of a serializer (otlp-transformer's `ISerializer`). */
export interface TraceSerializer {
  serializeRequest(spans: ReadableSpan[]): Uint8Array;
  deserializeResponse(data: Uint8Array): unknown;
}

const str = JSON.stringify;

/** A value as OTLP's AnyValue, as the stock `toAnyValue` writes it. */
function anyValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `{"stringValue":${str(value)}}`;
    case 'number':
      return Number.isInteger(value) ? `{"intValue":${str(value)}}` : `{"doubleValue":${str(value)}}`;
    case 'boolean':
      return `{"boolValue":${value}}`;
    default:
      // Rare shapes (bytes, maps): the stock tree, stringified, writes them exactly.
      return str(stockAnyValue(value)) ?? '{}';
  }
}

function stockAnyValue(value: unknown): unknown {
  const type = typeof value;
  if (type === 'string') return { stringValue: value };
  if (type === 'number') return Number.isInteger(value) ? { intValue: value } : { doubleValue: value };
  if (type === 'boolean') return { boolValue: value };
  if (value instanceof Uint8Array) return { bytesValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(stockAnyValue) } };
  if (type === 'object' && value !== null) return { kvlistValue: { values: Object.entries(value as object).map(([key, item]) => ({ key, value: stockAnyValue(item) })) } };
  return {};
}

/** Attributes as OTLP's KeyValue list. */
function attributes(values: Readonly<Record<string, unknown>> | undefined): string {
  if (values === undefined) return '[]';
  let text = '';
  for (const key of Object.keys(values)) text += `${text === '' ? '' : ','}{"key":${str(key)},"value":${anyValue(values[key])}}`;
  return `[${text}]`;
}

/** An hrtime as the decimal nanoseconds string the stock encoder writes (BigInt arithmetic there). */
function nanos(time: HrTime): string {
  const seconds = Math.trunc(time[0]);
  const fraction = Math.trunc(time[1]);
  if (seconds > 0 && fraction >= 0 && fraction < 1e9) return `${seconds}${String(fraction).padStart(9, '0')}`;
  return (BigInt(seconds) * 1_000_000_000n + BigInt(fraction)).toString();
}

/** OTLP span flags: the W3C trace flags, plus whether the parent was remote (proto SpanFlags). */
function flags(traceFlags: number, parentRemote: boolean | undefined): number {
  let result = (traceFlags & 0xff) | 0x100;
  if (parentRemote) result |= 0x200;
  return result;
}

/** `"key":value,` (key given with its quotes and colon), or nothing for an undefined value, as JSON.stringify leaves it out. */
const optional = (key: string, value: string | number | undefined): string => (value === undefined ? '' : `${key}${str(value)},`);

function event(timed: TimedEvent): string {
  return `{"attributes":${attributes(timed.attributes)},"name":${str(timed.name)},"timeUnixNano":${str(nanos(timed.time))},"droppedAttributesCount":${timed.droppedAttributesCount || 0}}`;
}

function link(linked: Link): string {
  const context: SpanContext = linked.context;
  return `{"attributes":${attributes(linked.attributes)},"spanId":${str(context.spanId)},"traceId":${str(context.traceId)},${optional('"traceState":', context.traceState?.serialize())}"droppedAttributesCount":${linked.droppedAttributesCount || 0},"flags":${flags(context.traceFlags, context.isRemote)}}`;
}

function span(finished: ReadableSpan): string {
  const context = finished.spanContext();
  const parent = finished.parentSpanContext;
  const status = finished.status;
  const parentSpanId = parent?.spanId ? parent.spanId : undefined;
  return (
    `{"traceId":${str(context.traceId)},"spanId":${str(context.spanId)},${optional('"parentSpanId":', parentSpanId)}${optional('"traceState":', context.traceState?.serialize())}` +
    `"name":${str(finished.name)},"kind":${finished.kind == null ? 0 : finished.kind + 1},"startTimeUnixNano":${str(nanos(finished.startTime))},"endTimeUnixNano":${str(nanos(finished.endTime))},` +
    `"attributes":${attributes(finished.attributes)},${optional('"droppedAttributesCount":', finished.droppedAttributesCount)}` +
    `"events":[${finished.events.map(event).join(',')}],${optional('"droppedEventsCount":', finished.droppedEventsCount)}` +
    `"status":{"code":${status.code}${status.message === undefined ? '' : `,"message":${str(status.message)}`}},` +
    `"links":[${finished.links.map(link).join(',')}],${optional('"droppedLinksCount":', finished.droppedLinksCount)}"flags":${flags(context.traceFlags, parent?.isRemote)}}`
  );
}

/** `{"resource":...,"scopeSpans":[` for a resource: written once per resource object. */
const resourceOpenings = new WeakMap<Resource, string>();

function resourceOpening(resource: Resource): string {
  let text = resourceOpenings.get(resource);
  if (text === undefined) {
    const schemaUrl = resource.schemaUrl ? resource.schemaUrl : undefined;
    text = `{"resource":{"attributes":${attributes(resource.attributes)},"droppedAttributesCount":0${schemaUrl === undefined ? '' : `,"schemaUrl":${str(schemaUrl)}`}},"scopeSpans":[`;
    resourceOpenings.set(resource, text);
  }
  return text;
}

function resourceClosing(resource: Resource): string {
  const schemaUrl = resource.schemaUrl ? resource.schemaUrl : undefined;
  return schemaUrl === undefined ? ']}' : `],"schemaUrl":${str(schemaUrl)}}`;
}

/** The key the stock serializer groups a resource's spans by. */
const scopeKey = (scope: Scope): string => `${scope.name}@${scope.version || ''}:${scope.schemaUrl || ''}`;

function scopeOpening(scope: Scope): string {
  return `{"scope":{"name":${str(scope.name)}${scope.version === undefined ? '' : `,"version":${str(scope.version)}`}},"spans":[`;
}

const scopeClosing = (scope: Scope): string => (scope.schemaUrl === undefined ? ']}' : `],"schemaUrl":${str(scope.schemaUrl)}}`);

/** The export request's JSON text: spans grouped by resource, then by scope, each in first-seen order. */
export function exportRequestJson(spans: readonly ReadableSpan[]): string {
  // One resource and one scope (the runtime's own tracer) is the case every export meets: no maps.
  const first = spans[0];
  if (first === undefined) return '{"resourceSpans":[]}';
  const key = scopeKey(first.instrumentationScope);
  let uniform = true;
  for (const each of spans) {
    if (each.resource !== first.resource || (each.instrumentationScope !== first.instrumentationScope && scopeKey(each.instrumentationScope) !== key)) {
      uniform = false;
      break;
    }
  }
  if (uniform) return `{"resourceSpans":[${resourceOpening(first.resource)}${scopeOpening(first.instrumentationScope)}${spans.map(span).join(',')}${scopeClosing(first.instrumentationScope)}${resourceClosing(first.resource)}]}`;
  const byResource = new Map<Resource, Map<string, ReadableSpan[]>>();
  for (const each of spans) {
    let scopes = byResource.get(each.resource);
    if (scopes === undefined) byResource.set(each.resource, (scopes = new Map()));
    const group = scopes.get(scopeKey(each.instrumentationScope));
    if (group === undefined) scopes.set(scopeKey(each.instrumentationScope), [each]);
    else group.push(each);
  }
  const resources: string[] = [];
  for (const [resource, scopes] of byResource) {
    const groups: string[] = [];
    for (const group of scopes.values()) {
      const scope = (group[0] as ReadableSpan).instrumentationScope;
      groups.push(`${scopeOpening(scope)}${group.map(span).join(',')}${scopeClosing(scope)}`);
    }
    resources.push(`${resourceOpening(resource)}${groups.join(',')}${resourceClosing(resource)}`);
  }
  return `{"resourceSpans":[${resources.join(',')}]}`;
}

/** The serializer the OTLP/HTTP exporter is given in place of the stock JSON one. */
export const leanJsonTraceSerializer: TraceSerializer = {
  serializeRequest: (spans) => Buffer.from(exportRequestJson(spans), 'utf8'),
  deserializeResponse: (data) => JSON.parse(new TextDecoder().decode(data)) as unknown,
};
