/**
 * Requests for one contract operation: valid ones built from its schemas, and mutated ones that
 * break one thing at a time (a parameter, the body's types, ranges, sizes, Unicode, its encoding
 * or media type, the method, the path's shape, the query, a header).
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import * as fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { FuzzOperation, FuzzParameter } from './operations.ts';
import { valuesOf } from './schema-values.ts';

type Json = Readonly<Record<string, unknown>>;

export interface FuzzRequest {
  /** What was generated: `valid`, or the mutation (`body: wrong type`, `path parameter`, ...). */
  readonly kind: string;
  readonly method: string;
  /** Path and query exactly as sent. */
  readonly target: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | undefined;
}

/** Path parameter texts that are not canonical decimal integers, or out of any id range. */
const hostileIds = ['Infinity', '-Infinity', 'NaN', '1e400', '9'.repeat(400), '0x10', '1e3', '+1', '01', '%201', '1%20', '-1', '0', '-0', '2147483648', '9007199254740993', '1.0', '1.5', 'abc', '%00', '%E2%80%AE1', '%F0%9F%99%82', '%ff', '%E0%A4%A', '%', '%zz', '1;2', '..', '%2e%2e', '%2F', "'", '!$&', '@:'];

/** Strings a person would not type, but a client may send. */
const edgeTexts = ['x\ud800y', '\udc00', 'a\u0000b', '\u0000', '\ufeffBOM', '\u202eevil', 'e\u0301\u0301\u0301', '👨‍👩‍👧‍👦', '\ufffe\uffff', '\u{10ffff}', ' \t\n ', '', '\u00a0', '\u2028\u2029', '𝕏'.repeat(300)];

function encodePath(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => values[name] ?? '1');
}

/** A valid text for a parameter: canonical integers (often small, so they name existing rows), or schema values. */
function parameterText(parameter: FuzzParameter, resolve: (value: unknown) => Json): Arbitrary<string> {
  if (parameter.schema.type === 'integer') {
    const min = typeof parameter.schema.minimum === 'number' ? parameter.schema.minimum : -(2 ** 31);
    const max = typeof parameter.schema.maximum === 'number' ? parameter.schema.maximum : 2 ** 31 - 1;
    return fc.oneof({ weight: 3, arbitrary: fc.integer({ min: Math.max(min, 1), max: Math.min(max, 12) }) }, fc.integer({ min, max })).map(String);
  }
  return valuesOf(parameter.schema, resolve).map((value) => encodeURIComponent(String(value)));
}

interface Parts {
  readonly path: Record<string, string>;
  readonly query: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
  readonly hasBody: boolean;
}

/** The parts of a valid request to the operation. */
function validParts(operation: FuzzOperation): Arbitrary<Parts> {
  const resolve = operation.contract.resolve;
  const path = Object.fromEntries(operation.parameters.filter((p) => p.in === 'path').map((p) => [p.name, parameterText(p, resolve)]));
  const required = operation.parameters.filter((p) => p.in === 'query' && p.required);
  const query = fc.tuple(...required.map((p) => parameterText(p, resolve).map((value) => `${p.name}=${value}`))).map((pairs) => pairs.join('&'));
  const body = operation.body === undefined ? fc.constant(undefined) : valuesOf(operation.body, resolve);
  return fc.record({ path: fc.record(path), query, headers: fc.constant({}), body, hasBody: fc.constant(operation.body !== undefined) });
}

function toRequest(operation: FuzzOperation, kind: string, parts: Parts, overrides: Partial<FuzzRequest> = {}): FuzzRequest {
  const target = `${encodePath(operation.template, parts.path)}${parts.query === '' ? '' : `?${parts.query}`}`;
  const body = parts.hasBody ? Buffer.from(JSON.stringify(parts.body) ?? 'null') : undefined;
  const headers = { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...parts.headers };
  return { kind, method: operation.method, target, headers, body, ...overrides };
}

/** Valid requests to the operation, built from its schemas. */
export function validRequests(operation: FuzzOperation): Arbitrary<FuzzRequest> {
  return validParts(operation).map((parts) => toRequest(operation, 'valid', parts));
}

/** One member of the body object replaced, dropped or added, or the body broken as a whole. */
function bodyMutations(operation: FuzzOperation): Arbitrary<FuzzRequest>[] {
  if (operation.body === undefined) return [];
  const properties = Object.keys((operation.body.properties ?? {}) as Json);
  const member = properties.length > 0 ? fc.constantFrom(...properties) : fc.constant('field');
  const withBody = (kind: string, change: Arbitrary<(body: Record<string, unknown>) => unknown>) =>
    fc.tuple(validParts(operation), change).map(([parts, apply]) => toRequest(operation, kind, { ...parts, body: apply({ ...(parts.body as Record<string, unknown>) }) }));
  const raw = (kind: string, text: Arbitrary<string | Buffer>) =>
    fc.tuple(validParts(operation), text).map(([parts, bytes]) => ({ ...toRequest(operation, kind, parts), body: Buffer.from(bytes) }));
  const wrongValue = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }));
  return [
    withBody('body: wrong type', fc.tuple(member, wrongValue).map(([name, value]) => (body) => ({ ...body, [name]: value }))),
    withBody('body: required member missing', member.map((name) => (body) => Object.fromEntries(Object.entries(body).filter(([key]) => key !== name)))),
    withBody('body: unknown member', fc.tuple(fc.string({ minLength: 1, maxLength: 20 }).filter((name) => !properties.includes(name)), fc.jsonValue()).map(([name, value]) => (body) => ({ ...body, [name]: value }))),
    withBody('body: text too long or blank', fc.tuple(member, fc.oneof(fc.constant(''), fc.constant('   '), fc.integer({ min: 201, max: 600 }).map((n) => 'x'.repeat(n)))).map(([name, value]) => (body) => ({ ...body, [name]: value }))),
    withBody('body: unicode edge', fc.tuple(member, fc.constantFrom(...edgeTexts)).map(([name, value]) => (body) => ({ ...body, [name]: value }))),
    withBody('body: not an object', fc.oneof(fc.jsonValue().filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)), fc.constant([])).map((value) => () => value)),
    raw('body: not json', fc.oneof(fc.string({ maxLength: 50 }), fc.constantFrom('{', '{"name":', '{"a":1}}', 'nul', '\ufeff{}', '{"name":"\\x"}', '{"name":"\\ud800"')).filter((t) => { try { JSON.parse(t); return false; } catch { return true; } })),
    raw('body: larger than the limit', fc.integer({ min: 66_000, max: 90_000 }).map((n) => JSON.stringify({ name: 'x'.repeat(n) }))),
    raw('body: deeply nested', fc.integer({ min: 100, max: 3000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`)),
    raw('body: not utf-8', fc.constantFrom(Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d]), Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]), Buffer.from('{"name":"\xed\xa0\x80"}', 'latin1'))),
  ];
}

/** The JSON bytes of a request's body (or of some object, for an operation that takes none). */
function payload(parts: Parts): Buffer {
  return Buffer.from(JSON.stringify(parts.hasBody ? parts.body : { any: 'thing' }) ?? '{}');
}

/** Mutations of the request around the body: parameters, method, path shape, query, headers, media type, coding. */
function transportMutations(operation: FuzzOperation): Arbitrary<FuzzRequest>[] {
  const parts = validParts(operation);
  const pathParameters = operation.parameters.filter((p) => p.in === 'path');
  const mutations: Arbitrary<FuzzRequest>[] = [];
  if (pathParameters.length > 0) {
    const bad = fc.oneof(fc.constantFrom(...hostileIds), fc.string({ minLength: 1, maxLength: 12 }).map(encodeURIComponent), fc.bigInt({ min: 2n ** 31n, max: 10n ** 40n }).map(String), fc.integer({ min: -1000, max: 0 }).map(String));
    mutations.push(fc.tuple(parts, fc.constantFrom(...pathParameters.map((p) => p.name)), bad).map(([p, name, value]) => toRequest(operation, 'path parameter', { ...p, path: { ...p.path, [name]: value } })));
  }
  const others = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE'];
  mutations.push(fc.tuple(parts, fc.constantFrom(...others)).map(([p, method]) => toRequest(operation, 'method', p, { method })));
  mutations.push(
    fc.tuple(parts, fc.constantFrom<(target: string) => string>((t) => `${t}/`, (t) => `/${t}`, (t) => t.toUpperCase(), (t) => `${t}/extra`, (t) => t.replace(/\/(?=[^/]*$)/, '%2F'), (t) => t.replace('/api', '/api/'))).map(([p, shape]) => {
      const request = toRequest(operation, 'path shape', p);
      return { ...request, target: shape(request.target) };
    }),
  );
  mutations.push(
    fc.tuple(parts, fc.oneof(fc.constantFrom('foo=bar', 'id=1&id=2', '%ff=1', 'a[b]=c', '=', '&&', 'x=%00'), fc.string({ maxLength: 30 }).map((t) => `q=${encodeURIComponent(t)}`), fc.integer({ min: 2000, max: 6000 }).map((n) => `long=${'a'.repeat(n)}`))).map(([p, query]) =>
      toRequest(operation, 'query', { ...p, query: p.query === '' ? query : `${p.query}&${query}` }),
    ),
  );
  const printable = fc.string({ unit: 'binary-ascii', maxLength: 200 }).map((t) => t.replace(/[^\x20-\x7e]/g, '').trim());
  const header = fc.oneof(
    fc.tuple(fc.constant('x-request-id'), fc.oneof(printable, fc.constant('x'.repeat(5000)))),
    fc.tuple(fc.constant('x-padding'), fc.integer({ min: 17_000, max: 40_000 }).map((n) => 'p'.repeat(n))),
    fc.tuple(fc.constant('traceparent'), printable),
    fc.tuple(fc.constant('accept'), fc.constantFrom('text/html', 'application/xml', '*/*', 'application/json;q=0', '')),
    fc.tuple(fc.constant('if-match'), fc.constantFrom('*', '"1"', 'W/"1"', 'garbage', '"1", "2"')),
    fc.tuple(fc.constant('authorization'), fc.constantFrom('Bearer x', 'Basic Zm9vOmJhcg==', 'Bearer ' + 'a'.repeat(3000))),
    fc.tuple(fc.constant('expect'), fc.constantFrom('nothing', '200-ok')),
  );
  mutations.push(fc.tuple(parts, header).map(([p, [name, value]]) => toRequest(operation, `header ${name}`, { ...p, headers: { ...p.headers, [name]: value } })));
  // Media types and codings, on a body that is otherwise valid (or on an operation that takes none).
  mutations.push(
    fc.tuple(parts, fc.constantFrom('text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/merge-patch+json', 'application/json-seq', 'APPLICATION/JSON')).map(([p, type]) => ({
      ...toRequest(operation, 'content type', p),
      headers: { 'content-type': type },
      body: payload(p),
    })),
  );
  const codings: Readonly<Record<string, (bytes: Buffer) => Buffer>> = {
    gzip: gzipSync,
    deflate: deflateSync,
    br: brotliCompressSync,
    'gzip (not compressed)': (bytes) => bytes,
    'br (not compressed)': (bytes) => bytes,
    'deflate (truncated)': (bytes) => deflateSync(bytes).subarray(0, 6),
    zstd: (bytes) => bytes,
    'gzip, gzip': (bytes) => gzipSync(gzipSync(bytes)),
    identity: (bytes) => bytes,
  };
  mutations.push(
    fc.tuple(parts, fc.constantFrom(...Object.keys(codings))).map(([p, coding]) => ({
      ...toRequest(operation, `content-encoding ${coding}`, p),
      headers: { 'content-type': 'application/json', 'content-encoding': coding.split(' (')[0] ?? coding },
      body: (codings[coding] ?? ((b: Buffer) => b))(payload(p)),
    })),
  );
  return mutations;
}

/** Mutated requests to the operation: each breaks one thing. */
export function mutatedRequests(operation: FuzzOperation): Arbitrary<FuzzRequest> {
  return fc.oneof(...bodyMutations(operation), ...transportMutations(operation));
}
