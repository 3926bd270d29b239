import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { headerNames } from '@platform/runtime/http';

/**
 * Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus the proxy
 * credentials meant for this hop. A proxy never forwards them; Node adds its own framing.
 */
const hopByHop: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const ordinaryConnection: ReadonlySet<string> = new Set(['keep-alive', 'close']);

/** The header names a `Connection` header lists (lower case); undefined when there is none. */
function namedByConnection(connection: string | readonly string[] | undefined): ReadonlySet<string> | undefined {
  if (connection === undefined) return undefined;
  // The usual values name no header (`keep-alive` names one that is hop-by-hop anyway): no set to build.
  if (typeof connection === 'string' && ordinaryConnection.has(connection.toLowerCase())) return undefined;
  const values = typeof connection === 'string' ? [connection] : connection;
  return new Set(values.flatMap((value) => value.split(',')).map((token) => token.trim().toLowerCase()));
}

/**
 * The end-to-end headers of a message (Node's `headersDistinct`), for the next hop: drops the
 * hop-by-hop ones and those the `Connection` header names; keeps repeated headers repeated.
 */
export function endToEndHeaders(headers: Readonly<Record<string, readonly string[] | undefined>>): OutgoingHttpHeaders {
  // Built only when a Connection header names something (runs on every proxied request and answer).
  const named = namedByConnection(headers.connection);
  const kept: OutgoingHttpHeaders = {};
  for (const name in headers) {
    const values = headers[name];
    if (values === undefined || values.length === 0 || hopByHop.has(name) || named?.has(name)) continue;
    kept[name] = values.length === 1 ? values[0] : [...values];
  }
  return kept;
}

/**
 * The headers a proxied request goes upstream with: its end-to-end headers, the request id the
 * gateway settled on, and `X-Forwarded-For/Host/Proto` naming the caller. `Host` is the caller's;
 * each proxy sets the upstream's authority itself.
 */
export function forwardedRequestHeaders(req: IncomingMessage, requestId: string, protocol: string): OutgoingHttpHeaders {
  const headers = endToEndHeaders(req.headersDistinct);
  headers[headerNames.requestId] = requestId;
  headers['x-forwarded-for'] = forwardedFor(req);
  headers['x-forwarded-host'] = req.headers.host ?? '';
  headers['x-forwarded-proto'] = protocol;
  return headers;
}

/** The caller's chain of addresses: what an earlier proxy said, then the peer of this connection. */
function forwardedFor(req: IncomingMessage): string {
  const given = req.headers['x-forwarded-for'];
  const earlier = Array.isArray(given) ? given.join(', ') : given;
  const peer = req.socket.remoteAddress;
  if (earlier === undefined || earlier === '') return peer ?? '';
  return peer === undefined ? earlier : `${earlier}, ${peer}`;
}

/** Request headers the gateway writes itself upstream (in `forwardedRawHeaders`), so the caller's are dropped. */
const replacedUpstream: ReadonlySet<string> = new Set([
  'host',
  // Node's server has answered `100-continue` to the client already.
  'expect',
  headerNames.requestId,
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
]);

/** What the gateway adds to a request it forwards. */
export interface ForwardedAs {
  /** The upstream's authority (`127.0.0.1:5000`), sent as `Host`. */
  readonly host: string;
  readonly requestId: string;
  /** A traceparent replacing the caller's (the gateway's span), or undefined to pass the caller's on. */
  readonly traceparent: string | undefined;
}

/**
 * The request's headers for the upstream as a flat `[name, value, ...]` list (what undici and
 * Node take without building an object): the caller's end-to-end headers in their order and
 * spelling, then `Host`, the request id and `X-Forwarded-For/Host/Proto`. The same headers
 * `forwardedRequestHeaders` gives, without a per-request object.
 */
export function forwardedRawHeaders(req: IncomingMessage, as: ForwardedAs): string[] {
  const raw = req.rawHeaders;
  const named = namedByConnection(req.headers.connection);
  const replaceTrace = as.traceparent !== undefined;
  const kept: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (hopByHop.has(lower) || replacedUpstream.has(lower) || named?.has(lower) || (replaceTrace && lower === headerNames.traceparent)) continue;
    kept.push(name, raw[i + 1] as string);
  }
  kept.push('host', as.host, headerNames.requestId, as.requestId, 'x-forwarded-for', forwardedFor(req), 'x-forwarded-host', req.headers.host ?? '', 'x-forwarded-proto', protocolOf(req));
  if (replaceTrace) kept.push(headerNames.traceparent, as.traceparent as string);
  return kept;
}

/** `https` on a TLS connection, else `http` (Express's `req.protocol` without `trust proxy`). */
function protocolOf(req: IncomingMessage): string {
  return (req.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
}

/**
 * An upstream answer's headers for the client as a flat `[name, value, ...]` list for
 * `res.writeHead`: the end-to-end ones from undici's raw header buffers (bytes kept as they came,
 * latin1 both ways), then `X-Request-Id` (the gateway's, replacing the upstream's echo) and `added`.
 */
export function answerRawHeaders(raw: readonly Buffer[], requestId: string, added: readonly string[]): string[] {
  const kept: string[] = [];
  let named: ReadonlySet<string> | undefined;
  const replaced = added.length === 0 ? undefined : replacedBy(added);
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as Buffer).toString('latin1');
    const lower = name.toLowerCase();
    const value = (raw[i + 1] as Buffer).toString('latin1');
    if (lower === 'connection') named = new Set([...(named ?? []), ...(namedByConnection(value) ?? [])]);
    if (hopByHop.has(lower) || lower === headerNames.requestId || replaced?.has(lower) === true) continue;
    kept.push(name, value);
  }
  if (named !== undefined) dropNamed(kept, named);
  kept.push(headerNames.requestId, requestId);
  for (const item of added) kept.push(item);
  return kept;
}

/**
 * The names (lower case) of the gateway's own answer headers in `added` that replace an upstream's
 * header of the same name: a browser refuses two `Access-Control-Allow-Origin` values. `Vary` is
 * the exception: the upstream's and the gateway's both apply, and two `Vary` lines read as one list.
 */
function replacedBy(added: readonly string[]): ReadonlySet<string> {
  const names = new Set<string>();
  for (let i = 0; i < added.length; i += 2) {
    const lower = (added[i] as string).toLowerCase();
    if (lower !== 'vary') names.add(lower);
  }
  return names;
}

/** Removes from a flat header list the headers a `Connection` header named (rare: only then is the list walked again). */
function dropNamed(headers: string[], named: ReadonlySet<string>): void {
  let to = 0;
  for (let from = 0; from < headers.length; from += 2) {
    if (named.has((headers[from] as string).toLowerCase())) continue;
    headers[to++] = headers[from] as string;
    headers[to++] = headers[from + 1] as string;
  }
  headers.length = to;
}
