/**
 * Whether one answer a part gave is what its contract declares: the status is declared for the
 * operation the request addressed, every header is declared (and the required ones are there and
 * valid), and the body has a declared media type and validates against its schema.
 *
 * The contracts' conventions (their info.description) decide the answers no operation declares,
 * each against the component the convention names: a path the contract does not have is 404
 * `NoSuchOperation`; a method its path does not offer is 405 `MethodNotAllowed`; `OPTIONS` is
 * 204 `Options`; `HEAD` is the path's `GET` without a body; every answer carries
 * `components/headers/RequestId` as `x-request-id`; headers over 16 KiB are 431 `HeadersTooLarge`;
 * through the gateway an unreachable or silent
 * service is 502 `BadGateway` / 504 `GatewayTimeout`, and CORS headers may be added.
 */
import type { ObservedExchange } from '@platform/runtime/rest';
import type { Contract } from './contract.ts';
import { pointer } from './contract.ts';

/** Headers of HTTP itself (framing, connection management, the date), never declared per operation. */
const protocolHeaders: ReadonlySet<string> = new Set(['content-type', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date']);
/** The gateway's CORS headers (when `CORS_ORIGINS` is set), a convention of the contracts. */
const corsHeader = (name: string): boolean => name.startsWith('access-control-') || name === 'vary';

type Json = Readonly<Record<string, unknown>>;

interface Expected {
  /** JSON pointer of the response object in the document. */
  readonly at: string;
  /** What the answer is, for messages: `getPlatformById 404`, `convention NoSuchOperation`. */
  readonly what: string;
}

function component(name: string): Expected {
  return { at: pointer('components', 'responses', name), what: `convention ${name}` };
}

/** The response object the answer must match, or the reason there is none. */
function expectedResponse(exchange: ObservedExchange, contract: Contract): Expected | string {
  if (exchange.by === 'gateway' && (exchange.status === 502 || exchange.status === 504)) return component(exchange.status === 502 ? 'BadGateway' : 'GatewayTimeout');
  if (exchange.status === 431) return component('HeadersTooLarge');
  const match = contract.match(exchange.path);
  if (match === undefined) return exchange.status === 404 ? component('NoSuchOperation') : 'a path the contract does not have must be answered 404';
  const method = exchange.method.toLowerCase();
  if (method === 'options' && match.item.options === undefined) return exchange.status === 204 ? component('Options') : 'OPTIONS must be answered 204 (convention Options)';
  const effective = method === 'head' && match.item.head === undefined ? 'get' : method;
  const operation = contract.resolve(match.item[effective]);
  if (match.item[effective] === undefined) {
    return exchange.status === 405 ? component('MethodNotAllowed') : `${exchange.method} is not an operation of ${match.template}: it must be answered 405`;
  }
  const responses = (operation.responses ?? {}) as Json;
  const name = `${String(operation.operationId ?? `${effective} ${match.template}`)}`;
  if (responses[String(exchange.status)] === undefined) return `status ${exchange.status} is not declared for ${name} (declared: ${Object.keys(responses).join(', ')})`;
  return { at: pointer('paths', match.template, effective, 'responses', String(exchange.status)), what: `${name} ${exchange.status}` };
}

function headerValues(value: string | readonly string[] | number): string[] {
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/** The schema value of a header: integers as numbers when the schema wants one. */
function typedHeader(raw: string, schema: Json): unknown {
  return (schema.type === 'integer' || schema.type === 'number') && /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
}

/** Everything wrong with the answer; empty when the contract declares it exactly. */
export function checkExchange(exchange: ObservedExchange, contract: Contract): string[] {
  const expected = expectedResponse(exchange, contract);
  if (typeof expected === 'string') return [expected];
  const at = contract.locate(expected.at);
  const response = contract.resolve({ $ref: `#${at}` });
  const problems: string[] = [];
  const headers = new Map(Object.entries(exchange.headers).map(([name, value]) => [name.toLowerCase(), headerValues(value)]));

  // Declared headers, plus the request id every answer carries.
  const declared = new Map<string, { at: string; header: Json }>();
  for (const [name, header] of Object.entries((response.headers ?? {}) as Json)) {
    const headerAt = contract.locate(`${at}${pointer('headers', name)}`);
    declared.set(name.toLowerCase(), { at: headerAt, header: contract.resolve(header) });
  }
  declared.set('x-request-id', { at: pointer('components', 'headers', 'RequestId'), header: contract.resolve({ $ref: '#/components/headers/RequestId' }) });
  for (const [name, { at: headerAt, header }] of declared) {
    const values = headers.get(name);
    if (values === undefined) {
      if (header.required === true) problems.push(`${expected.what}: required header ${name} is missing`);
      continue;
    }
    const schema = contract.resolve(header.schema);
    for (const value of values) {
      for (const error of contract.validate(`${headerAt}/schema`, typedHeader(value, schema))) problems.push(`${expected.what}: header ${name}: ${error}`);
    }
  }
  for (const name of headers.keys()) {
    if (!declared.has(name) && !protocolHeaders.has(name) && !(exchange.by === 'gateway' && corsHeader(name))) problems.push(`${expected.what}: header ${name} is not declared`);
  }

  // The body: none where none is declared, or a declared media type whose schema it satisfies.
  const content = (response.content ?? {}) as Json;
  const mediaType = String(headers.get('content-type')?.[0] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const head = exchange.method.toUpperCase() === 'HEAD';
  if (Object.keys(content).length === 0 || head) {
    if (exchange.bodyBytes > 0) problems.push(`${expected.what}: ${head ? 'a HEAD answer' : 'this answer'} must have no body (got ${exchange.bodyBytes} bytes)`);
    if (Object.keys(content).length === 0 && mediaType !== '') problems.push(`${expected.what}: no body is declared, yet content-type is ${mediaType}`);
    if (head && Object.keys(content).length > 0 && content[mediaType] === undefined) problems.push(`${expected.what}: content-type ${mediaType || '(none)'} is not declared (declared: ${Object.keys(content).join(', ')})`);
    return problems;
  }
  if (content[mediaType] === undefined) return [...problems, `${expected.what}: content-type ${mediaType || '(none)'} is not declared (declared: ${Object.keys(content).join(', ')})`];
  if (exchange.body === undefined) return problems; // longer than the capture limit: status and headers checked
  let body: unknown;
  try {
    body = JSON.parse(exchange.body);
  } catch {
    return [...problems, `${expected.what}: the body is not JSON`];
  }
  for (const error of contract.validate(`${at}${pointer('content', mediaType, 'schema')}`, body)) problems.push(`${expected.what}: body ${error}`);
  return problems;
}
