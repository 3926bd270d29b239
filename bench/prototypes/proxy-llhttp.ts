/**
 * Prototype (issue 18, measured, not production code): an HTTP/1.1 reverse proxy on Node's own
 * llhttp binding (`HTTPParser` of `node:_http_common`) and bare `net.Socket`s, without
 * IncomingMessage, ServerResponse, undici or any per-request stream. Each downstream connection
 * gets its own upstream connection per route (opened on first use, kept alive, closed with it),
 * so an answer is matched to its request by order alone.
 *
 * What the gateway must do, per request: route by whole-segment path prefix to one of two
 * upstreams; send upstream the caller's end-to-end headers (hop-by-hop and Connection-named ones
 * dropped) plus Host, x-request-id (the caller's if sane, else a new one) and X-Forwarded-For /
 * Host / Proto; answer with the upstream's end-to-end headers plus x-request-id and the CORS
 * headers; one access line through the runtime's logger (accessLineWriter) and one observation of
 * the runtime's request histogram (createPartMetrics) per request; keep-alive on both sides;
 * HTTP/1.1 framing: Content-Length bodies pass through, chunked (or close-delimited) bodies are
 * re-chunked, HEAD/204/304 have none, pipelined requests are answered in order (requests to the
 * same upstream are pipelined upstream; one to the other upstream waits, buffered, until the
 * earlier answers are done). An unreachable upstream gets a 502 (first pending request; later
 * ones lose the connection); upstream silence beyond the timeout a 504.
 *
 * Not done (a production version would need them): trailers (dropped), Expect/1xx beyond passing
 * them through, upgrade/CONNECT (answered 501), request-size limits other than llhttp's header
 * limit, client idle/headers timeouts, the trace span, graceful drain.
 *
 * `node bench/prototypes/proxy-llhttp.ts <port> <upstream url> [<second upstream url>] [--consume] [--bare]`
 * `--consume` lets llhttp read the sockets in C++ as Node's http server does.
 * `--bare` drops request id, X-Forwarded-*, CORS, access line and histogram (attribution only).
 * Routes: `/api/platforms`, `/api/platform-events` → first upstream; `/api/commands` → second.
 */
import { createRequire } from 'node:module';
import { createServer, connect } from 'node:net';
import type { Socket } from 'node:net';
import { createLogger, accessLineWriter, requestIdFrom } from '@platform/runtime/logging';
import { createPartMetrics } from '@platform/runtime/observability';
import { corsHeaders } from '../../gateway/src/cors.ts';

const require = createRequire(import.meta.url);
// Node's internal binding as its own http server uses it; reachable through the legacy `_http_common` module.
const { HTTPParser, methods } = require('_http_common') as { HTTPParser: ParserClass; methods: string[] };

interface Parser {
  initialize(type: number, resource: object, maxHeaderSize?: number, lenient?: number): void;
  execute(data: Buffer): number | Error;
  finish(): number | Error | undefined;
  close(): void;
  consume(handle: unknown): void;
  unconsume(): void;
  [key: number]: unknown;
}
interface ParserClass {
  new (): Parser;
  REQUEST: number;
  RESPONSE: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kOnExecute: number;
}

const [portArg, firstUrl, ...rest] = process.argv.slice(2);
if (portArg === undefined || firstUrl === undefined) throw new Error('cannot start proxy-llhttp: usage proxy-llhttp.ts <port> <upstream url> [<second upstream url>] [--bare]');
const bare = rest.includes('--bare');
/** Let llhttp read the sockets in C++ (`parser.consume`, as Node's http server does): no JS `data` event or Buffer per read. */
const consume = rest.includes('--consume');
const secondUrl = rest.find((arg) => !arg.startsWith('--')) ?? firstUrl;
const timeout = 30_000;

interface Upstream {
  readonly index: number;
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly authority: string;
}
function upstreamOf(index: number, name: string, url: string): Upstream {
  const { hostname, port, host } = new URL(url);
  return { index, name, host: hostname, port: Number(port || 80), authority: host };
}
const upstreams = [upstreamOf(0, 'platform-service', firstUrl), upstreamOf(1, 'commands-service', secondUrl)] as const;
const prefixes: ReadonlyArray<readonly [string, Upstream]> = [
  ['/api/platforms', upstreams[0]],
  ['/api/platform-events', upstreams[0]],
  ['/api/commands', upstreams[1]],
];

/** The upstream whose prefix covers the target's path (whole segments, any case), or undefined. */
function routeOf(url: string): Upstream | undefined {
  if (url.charCodeAt(0) !== 0x2f) return undefined;
  for (const [prefix, upstream] of prefixes) {
    if (url.length < prefix.length) continue;
    if (!url.startsWith(prefix) && url.slice(0, prefix.length).toLowerCase() !== prefix) continue;
    const next = url.charCodeAt(prefix.length);
    if (Number.isNaN(next) || next === 0x2f || next === 0x3f || next === 0x23) return upstream;
  }
  return undefined;
}

const logger = createLogger({ name: 'gateway' });
const writeAccessLine = accessLineWriter(logger);
const metrics = createPartMetrics('gateway');
const corsOf = corsHeaders(['https://app.example.com']);

/** Headers describing one connection (RFC 9110 §7.6.1); never forwarded. */
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
/** Request headers the proxy writes itself. */
const replacedUpstream = new Set(['host', 'x-request-id', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto']);

/** One request and its answer. */
class Exchange {
  readonly conn: Conn;
  readonly upstream: Upstream;
  readonly method: string;
  readonly url: string;
  readonly requestId: string;
  readonly answerHeaders: readonly string[];
  readonly started: number;
  /** The request body is re-chunked upstream. */
  readonly chunkedRequest: boolean;
  /** Written upstream (else buffered in `held` until the earlier answers are done). */
  sent = false;
  held: Array<string | Buffer> | undefined = undefined;
  requestDone = false;
  status = 0;
  /** The answer's body is re-chunked downstream (no Content-Length upstream). */
  chunkedAnswer = false;
  closeAfter: boolean;

  constructor(conn: Conn, upstream: Upstream, method: string, url: string, requestId: string, answerHeaders: readonly string[], chunkedRequest: boolean, closeAfter: boolean) {
    this.conn = conn;
    this.upstream = upstream;
    this.method = method;
    this.url = url;
    this.requestId = requestId;
    this.answerHeaders = answerHeaders;
    this.chunkedRequest = chunkedRequest;
    this.closeAfter = closeAfter;
    this.started = performance.now();
  }
}

/** One upstream connection of a downstream connection, with its answer parser and its sent requests in order. */
class UpstreamLink {
  readonly conn: Conn;
  readonly upstream: Upstream;
  readonly socket: Socket;
  readonly parser: Parser;
  readonly inFlight: Exchange[] = [];
  headers: string[] = [];
  closed = false;

  constructor(conn: Conn, upstream: Upstream) {
    this.conn = conn;
    this.upstream = upstream;
    this.socket = connect({ host: upstream.host, port: upstream.port, noDelay: true });
    this.parser = new HTTPParser();
    this.parser.initialize(HTTPParser.RESPONSE, {}, 0, 0);
    this.parser[HTTPParser.kOnHeaders] = onAnswerHeaders;
    this.parser[HTTPParser.kOnHeadersComplete] = onAnswerHeadersComplete;
    this.parser[HTTPParser.kOnBody] = onAnswerBody;
    this.parser[HTTPParser.kOnMessageComplete] = onAnswerComplete;
    (this.parser as unknown as { link: UpstreamLink }).link = this;
    this.socket.on('data', onUpstreamData);
    this.socket.on('error', onUpstreamError);
    this.socket.on('close', onUpstreamClose);
    this.socket.on('timeout', onUpstreamTimeout);
    (this.socket as unknown as { link: UpstreamLink }).link = this;
    if (consume) {
      this.parser[HTTPParser.kOnExecute] = onAnswerExecute;
      this.socket.once('connect', consumeAnswers);
    }
  }

  write(data: string | Buffer): void {
    write(this.conn, this.socket, data);
    if (this.socket.timeout === undefined || this.socket.timeout === 0) this.socket.setTimeout(timeout);
  }

  /** The upstream failed: the first pending request gets a 502/504 if nothing of its answer left yet, the connection is closed otherwise. */
  fail(status: number): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    release(this.parser);
    const conn = this.conn;
    if (conn.links[this.upstream.index] === this) conn.links[this.upstream.index] = undefined;
    const first = this.inFlight[0];
    if (first === undefined) return;
    if (first.status === 0 && conn.queue[0] === first) {
      const body = JSON.stringify({ type: 'about:blank', title: status === 504 ? 'Gateway Timeout' : 'Bad Gateway', status, detail: `${first.upstream.name} ${status === 504 ? 'did not answer in time' : 'cannot be reached'}`, requestId: first.requestId });
      first.status = status;
      conn.socket.end(`HTTP/1.1 ${status} ${status === 504 ? 'Gateway Timeout' : 'Bad Gateway'}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${first.requestId}\r\nconnection: close\r\n\r\n${body}`);
      finished(first);
    } else conn.socket.destroy();
  }
}

function onAnswerHeaders(this: { link: UpstreamLink }, headers: string[]): void {
  for (const item of headers) this.link.headers.push(item);
}

function onAnswerHeadersComplete(this: { link: UpstreamLink }, _major: number, _minor: number, headers: string[] | undefined, _method: number, _url: string, statusCode: number, statusMessage: string, _upgrade: boolean, keepAlive: boolean): number {
  const link = this.link;
  const exchange = link.inFlight[0];
  if (exchange === undefined) {
    link.fail(502);
    return 0;
  }
  let list = headers;
  if (list === undefined) {
    list = link.headers;
    link.headers = [];
  }
  const conn = link.conn;
  const informational = statusCode < 200;
  let head = `HTTP/1.1 ${statusCode} ${statusMessage}\r\n`;
  let hasLength = false;
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i] as string;
    const lower = name.toLowerCase();
    if (hopByHop.has(lower) || lower === 'x-request-id') continue;
    if (lower === 'content-length') hasLength = true;
    head += `${name}: ${list[i + 1] as string}\r\n`;
  }
  if (!informational) {
    exchange.status = statusCode;
    if (!keepAlive) link.closed = true;
    const bodiless = exchange.method === 'HEAD' || statusCode === 204 || statusCode === 304;
    exchange.chunkedAnswer = !bodiless && !hasLength;
    if (!bare) {
      head += `x-request-id: ${exchange.requestId}\r\n`;
      const added = exchange.answerHeaders;
      for (let i = 0; i < added.length; i += 2) head += `${added[i] as string}: ${added[i + 1] as string}\r\n`;
    }
    if (exchange.chunkedAnswer) head += 'transfer-encoding: chunked\r\n';
    if (exchange.closeAfter) head += 'connection: close\r\n';
  }
  write(conn, conn.socket, `${head}\r\n`);
  // A HEAD answer has no body whatever its headers say.
  return exchange.method === 'HEAD' && !informational ? 1 : 0;
}

function onAnswerBody(this: { link: UpstreamLink }, chunk: Buffer): void {
  const link = this.link;
  const exchange = link.inFlight[0] as Exchange;
  const socket = link.conn.socket;
  if (exchange.chunkedAnswer) {
    write(link.conn, socket, `${chunk.length.toString(16)}\r\n`);
    write(link.conn, socket, chunk);
    write(link.conn, socket, '\r\n');
  } else write(link.conn, socket, chunk);
  // Backpressure: stop reading the upstream until the client has taken what is buffered.
  if (socket.writableNeedDrain && !link.socket.isPaused()) {
    link.socket.pause();
    socket.once('drain', () => link.socket.resume());
  }
}

function onAnswerComplete(this: { link: UpstreamLink }): void {
  const link = this.link;
  const exchange = link.inFlight[0] as Exchange;
  if (exchange.status === 0) return; // the end of a 1xx answer
  link.inFlight.shift();
  if (link.inFlight.length === 0) link.socket.setTimeout(0);
  const conn = link.conn;
  if (exchange.chunkedAnswer) write(conn, conn.socket, '0\r\n\r\n');
  finished(exchange);
  if (link.closed && link.inFlight.length === 0) {
    link.closed = false;
    link.fail(502);
  }
  conn.answered(exchange);
}

/** The answer is sent: one access line, one histogram observation. */
function finished(exchange: Exchange): void {
  if (bare) return;
  const elapsed = performance.now() - exchange.started;
  const status = exchange.status;
  const query = exchange.url.indexOf('?');
  const path = query === -1 ? exchange.url : exchange.url.slice(0, query);
  const line = { requestId: exchange.requestId, method: exchange.method, path, status, durationMs: Math.round(elapsed * 1000) / 1000 };
  if (status >= 500) writeAccessLine('error', line, 'request failed');
  else writeAccessLine('info', line, 'request completed');
  metrics.httpRequest(exchange.upstream.name, exchange.method, status, elapsed / 1000);
}

function onUpstreamData(this: Socket & { link: UpstreamLink }, data: Buffer): void {
  const link = this.link;
  onAnswerExecute.call(link.parser as unknown as { link: UpstreamLink }, link.parser.execute(data));
}
/** After llhttp went through what one read brought: the writes it made leave, one system call per socket. */
function onAnswerExecute(this: { link: UpstreamLink }, result: number | Error): void {
  const link = this.link;
  link.conn.flush();
  if (result instanceof Error) link.fail(502);
}
function consumeAnswers(this: Socket & { link: UpstreamLink }): void {
  this.link.parser.consume(handleOf(this));
}

/** The socket's libuv stream handle, which llhttp can read from itself (what Node's http server passes to `consume`). */
function handleOf(socket: Socket): unknown {
  // oxlint-disable-next-line no-underscore-dangle -- Node's own name for it; no public accessor exists
  return (socket as unknown as { _handle: unknown })._handle;
}

/** Writes to a socket corked until the end of the current llhttp pass (`Conn.flush`). */
function write(conn: Conn, socket: Socket, data: string | Buffer): void {
  if (socket.writableCorked === 0) {
    socket.cork();
    conn.corked.push(socket);
  }
  if (typeof data === 'string') socket.write(data, 'latin1');
  else socket.write(data);
}
function onUpstreamError(this: Socket & { link: UpstreamLink }): void {
  this.link.fail(502);
}
function onUpstreamClose(this: Socket & { link: UpstreamLink }): void {
  const link = this.link;
  // A close-delimited answer ends with the connection.
  if (!link.closed && link.inFlight[0]?.chunkedAnswer === true && link.inFlight[0].status !== 0) {
    link.parser.finish();
    return;
  }
  link.fail(502);
}
function onUpstreamTimeout(this: Socket & { link: UpstreamLink }): void {
  this.link.fail(504);
}

/** One downstream connection: its request parser, its requests in order, its upstream links. */
class Conn {
  readonly socket: Socket;
  readonly parser: Parser;
  readonly queue: Exchange[] = [];
  readonly links: [UpstreamLink | undefined, UpstreamLink | undefined] = [undefined, undefined];
  readonly peer: string;
  headers: string[] = [];
  url = '';
  /** The request being received (its body goes where it goes). */
  current: Exchange | undefined = undefined;
  gone = false;
  /** Sockets written to (and corked) in the current llhttp pass. */
  readonly corked: Socket[] = [];

  constructor(socket: Socket) {
    this.socket = socket;
    this.peer = socket.remoteAddress ?? '';
    this.parser = new HTTPParser();
    this.parser.initialize(HTTPParser.REQUEST, {}, 0, 0);
    this.parser[HTTPParser.kOnHeaders] = onRequestHeaders;
    this.parser[HTTPParser.kOnHeadersComplete] = onRequestHeadersComplete;
    this.parser[HTTPParser.kOnBody] = onRequestBody;
    this.parser[HTTPParser.kOnMessageComplete] = onRequestComplete;
    (this.parser as unknown as { conn: Conn }).conn = this;
    (socket as unknown as { conn: Conn }).conn = this;
    socket.setNoDelay(true);
    socket.on('data', onDownstreamData);
    socket.on('error', onDownstreamError);
    socket.on('close', onDownstreamClose);
    if (consume) {
      this.parser[HTTPParser.kOnExecute] = onRequestExecute;
      this.parser.consume(handleOf(socket));
    }
  }

  /** Sends what the current llhttp pass wrote. */
  flush(): void {
    const corked = this.corked;
    for (let i = 0; i < corked.length; i++) (corked[i] as Socket).uncork();
    corked.length = 0;
  }

  link(upstream: Upstream): UpstreamLink {
    let link = this.links[upstream.index];
    if (link === undefined || link.closed) this.links[upstream.index] = link = new UpstreamLink(this, upstream);
    return link;
  }

  /** Adds a request; it goes upstream now if every earlier unanswered one went to the same upstream. */
  add(exchange: Exchange, head: string): void {
    const last = this.queue[this.queue.length - 1];
    this.queue.push(exchange);
    if (last === undefined || (last.sent && last.upstream === exchange.upstream)) this.send(exchange, head);
    else exchange.held = [head];
  }

  send(exchange: Exchange, head: string): void {
    exchange.sent = true;
    const link = this.link(exchange.upstream);
    link.inFlight.push(exchange);
    link.write(head);
  }

  /** Body bytes (or the end marker) of the request being received. */
  body(exchange: Exchange, data: string | Buffer): void {
    if (exchange.held !== undefined) exchange.held.push(data);
    else this.link(exchange.upstream).write(data);
  }

  /** An answer is complete: the next held request(s) may go. */
  answered(exchange: Exchange): void {
    if (this.queue[0] === exchange) this.queue.shift();
    if (exchange.closeAfter) {
      this.socket.end();
      return;
    }
    const next = this.queue[0];
    if (next === undefined || next.sent) return;
    for (const waiting of this.queue) {
      if (waiting.sent || waiting.upstream !== next.upstream) break;
      const held = waiting.held as Array<string | Buffer>;
      waiting.held = undefined;
      this.send(waiting, held[0] as string);
      const link = this.link(waiting.upstream);
      for (let i = 1; i < held.length; i++) link.write(held[i] as string | Buffer);
      if (!waiting.requestDone) break;
    }
    if (this.socket.isPaused() && this.queue.length < 16) this.socket.resume();
  }

  /** Answers a request the proxy does not forward itself, in turn (only when nothing is pending). */
  reject(status: number, title: string): void {
    const body = JSON.stringify({ type: 'about:blank', title, status });
    this.socket.end(`HTTP/1.1 ${status} ${title}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  }
}

function onRequestHeaders(this: { conn: Conn }, headers: string[], url: string): void {
  for (const item of headers) this.conn.headers.push(item);
  this.conn.url += url;
}

function onRequestHeadersComplete(this: { conn: Conn }, major: number, minor: number, headers: string[] | undefined, methodIndex: number, url: string | undefined, _status: number, _message: string, upgrade: boolean, keepAlive: boolean): number {
  const conn = this.conn;
  let list = headers;
  if (list === undefined) {
    list = conn.headers;
    conn.headers = [];
  }
  let target = url;
  if (target === undefined) {
    target = conn.url;
    conn.url = '';
  }
  const method = methods[methodIndex] as string;
  const upstream = routeOf(target);
  if (upstream === undefined || upgrade) {
    // Not an API request: the real gateway hands it to Express; here it is refused.
    conn.current = undefined;
    conn.reject(upstream === undefined ? 404 : 501, upstream === undefined ? 'Not Found' : 'Not Implemented');
    return 1;
  }
  let head = `${method} ${target} HTTP/1.1\r\n`;
  let requestIdGiven: string | undefined;
  let callerHost = '';
  let forwardedFor: string | undefined;
  let origin: string | undefined;
  let chunked = false;
  let connectionNames: string | undefined;
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i] as string;
    const value = list[i + 1] as string;
    const lower = name.toLowerCase();
    if (hopByHop.has(lower)) {
      if (lower === 'transfer-encoding') chunked = true;
      else if (lower === 'connection') connectionNames = value;
      continue;
    }
    if (replacedUpstream.has(lower)) {
      if (lower === 'host') callerHost = value;
      else if (lower === 'x-request-id') requestIdGiven = value;
      else if (lower === 'x-forwarded-for') forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
      if (bare && lower !== 'host') head += `${name}: ${value}\r\n`;
      continue;
    }
    if (lower === 'origin') origin = value;
    head += `${name}: ${value}\r\n`;
  }
  if (connectionNames !== undefined && !/^\s*(keep-alive|close)\s*$/i.test(connectionNames)) {
    // Headers the Connection header names are hop-by-hop too: rebuild without them (rare).
    const named = new Set(connectionNames.split(',').map((token) => token.trim().toLowerCase()));
    head = head.split('\r\n').filter((line, i) => i === 0 || !named.has(line.slice(0, line.indexOf(':')).toLowerCase())).join('\r\n');
  }
  head += `host: ${upstream.authority}\r\n`;
  let requestId = '';
  let answerHeaders: readonly string[] = [];
  if (!bare) {
    requestId = requestIdFrom(requestIdGiven === undefined ? {} : { 'x-request-id': requestIdGiven });
    answerHeaders = corsOf(origin === undefined ? noOrigin : { method, headers: { origin } });
    head += `x-request-id: ${requestId}\r\nx-forwarded-for: ${forwardedFor === undefined ? conn.peer : `${forwardedFor}, ${conn.peer}`}\r\nx-forwarded-host: ${callerHost}\r\nx-forwarded-proto: http\r\n`;
  }
  if (chunked) head += 'transfer-encoding: chunked\r\n';
  const closeAfter = !keepAlive;
  // An HTTP/1.0 caller cannot take a chunked answer: ask the upstream for HTTP/1.1 anyway (it frames), close after.
  void major;
  void minor;
  const exchange = new Exchange(conn, upstream, method, target, requestId, answerHeaders, chunked, closeAfter);
  conn.current = exchange;
  conn.add(exchange, `${head}\r\n`);
  return 0;
}
const noOrigin = { method: 'GET', headers: {} };

function onRequestBody(this: { conn: Conn }, chunk: Buffer): void {
  const conn = this.conn;
  const exchange = conn.current;
  if (exchange === undefined) return;
  if (exchange.chunkedRequest) {
    conn.body(exchange, `${chunk.length.toString(16)}\r\n`);
    conn.body(exchange, Buffer.from(chunk));
    conn.body(exchange, '\r\n');
  } else conn.body(exchange, exchange.held !== undefined ? Buffer.from(chunk) : chunk);
}

function onRequestComplete(this: { conn: Conn }): void {
  const conn = this.conn;
  const exchange = conn.current;
  if (exchange === undefined) return;
  conn.current = undefined;
  exchange.requestDone = true;
  if (exchange.chunkedRequest) conn.body(exchange, '0\r\n\r\n');
}

function onDownstreamData(this: Socket & { conn: Conn }, data: Buffer): void {
  const conn = this.conn;
  onRequestExecute.call(conn.parser as unknown as { conn: Conn }, conn.parser.execute(data));
}
function onRequestExecute(this: { conn: Conn }, result: number | Error): void {
  const conn = this.conn;
  conn.flush();
  if (result instanceof Error) {
    if (conn.queue.length === 0) conn.reject(400, 'Bad Request');
    else conn.socket.destroy();
    return;
  }
  // Too many pipelined requests waiting: stop reading until answers drain them.
  if (conn.queue.length >= 16) conn.socket.pause();
}

function onDownstreamClose(this: Socket & { conn: Conn }): void {
  const conn = this.conn;
  if (conn.gone) return;
  conn.gone = true;
  for (const link of conn.links) {
    if (link === undefined) continue;
    link.closed = true;
    link.socket.destroy();
  }
  conn.links[0] = conn.links[1] = undefined;
  release(conn.parser);
}
/** A failed client connection is destroyed; its 'close' releases the rest. */
function onDownstreamError(this: Socket): void {
  this.destroy();
}

/** Frees a parser; one that reads a socket itself is detached from it first (else the socket's next read reaches a freed parser). */
function release(parser: Parser): void {
  if (consume) parser.unconsume();
  parser.close();
}

const server = createServer({ noDelay: true }, (socket) => new Conn(socket));
server.listen(Number(portArg), '127.0.0.1');
// A clean exit on SIGTERM, so that `node --cpu-prof` writes its profile.
process.once('SIGTERM', () => process.exit(0));
