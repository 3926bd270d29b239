import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
// The pool alone: undici's index also loads its fetch, WebSocket, cache and cookie stack, and
// through them Node's own copy of undici (535 against 284 kB of bundle; issue 18, idle RSS).
import Pool from 'undici/lib/dispatcher/pool.js';
import type { Logger } from '@platform/runtime/logging';
import { hasBody } from '@platform/runtime/rest';
import { answerPlainProblem } from './answer-problem.ts';
import { answerRawHeaders, forwardedRawHeaders } from './forwarded-headers.ts';

export interface ProxyOptions {
  /** Upstream origin, e.g. `http://localhost:5000`; the request path is sent unchanged. */
  readonly target: string;
  /** Upstream name for problems and logs, e.g. `platform-service`; its contract is `contracts/openapi/<name>.yaml`. */
  readonly name: string;
  /** Longest upstream silence in ms (waiting for headers or between body bytes); then 504, or the response is cut. */
  readonly timeout: number;
  /** Where upstream failures are logged (with the request id). */
  readonly logger: Logger;
  /** Told once per forwarded request, when its response is over (sent, or the client went away). */
  readonly finished: (req: IncomingMessage, res: ServerResponse, edge: Edge) => void;
}

/** What the edge of the gateway settled for one request before it is forwarded. */
export interface Edge {
  readonly requestId: string;
  /** A traceparent replacing the caller's upstream (the gateway's span), or undefined to pass the caller's on. */
  readonly traceparent: string | undefined;
  /** Flat `[name, value, ...]` headers added to every answer to this request (CORS). */
  readonly answerHeaders: readonly string[];
}

export interface Proxy {
  /** Forwards one request; its answer (the upstream's, or a 502/504 problem) goes to `res`. */
  forward(req: IncomingMessage, res: ServerResponse, edge: Edge): void;
  /** Closes the pooled upstream connections. */
  close(): void;
}

/** Upstream errors that mean silence (no headers, or no body bytes, within the timeout): 504 rather than 502. */
const timeoutCodes: ReadonlySet<string> = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** What every request to one upstream shares, made once. */
interface Upstream extends ProxyOptions {
  readonly origin: string;
  readonly host: string;
  readonly contract: string;
}

const exchangeKey = Symbol('gateway.proxy.exchange');
type Carrier = { [exchangeKey]?: ProxiedRequest };

/**
 * One forwarded request, as undici's dispatch handler. undici's own handler interface (onConnect,
 * onHeaders, onData, onComplete, onError) hands over the raw header buffers; its newer one parses
 * them into an object per answer first, which a proxy only turns back into a list.
 */
class ProxiedRequest implements Dispatcher.DispatchHandler {
  abortUpstream: ((err?: Error) => void) | undefined = undefined;
  resumeUpstream: (() => void) | undefined = undefined;
  /** The answer's Content-Length (-1 when it has none) and the body bytes received so far. */
  expected = -1;
  received = 0;
  /** Answered (or given up on): later upstream events change nothing. */
  settled = false;
  /** The client went away before the answer was complete. */
  clientGone = false;
  readonly upstream: Upstream;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly edge: Edge;

  constructor(upstream: Upstream, req: IncomingMessage, res: ServerResponse, edge: Edge) {
    this.upstream = upstream;
    this.req = req;
    this.res = res;
    this.edge = edge;
  }

  onConnect(abort: (err?: Error) => void): void {
    // The client left while the pool was still finding a connection: never send the request.
    if (this.clientGone) abort(new Error('the client closed the connection'));
    else this.abortUpstream = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    // An informational answer (103 Early Hints) is not the answer; Node's server sends none of its own.
    if (statusCode < 200) return true;
    const headers = answerRawHeaders(rawHeaders, this.edge.requestId, this.edge.answerHeaders);
    this.expected = contentLength(headers);
    if (statusText === '') this.res.writeHead(statusCode, headers);
    else this.res.writeHead(statusCode, statusText, headers);
    this.resumeUpstream = resume;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.received += chunk.length;
    // The last bytes of a body of known length end the answer at once: headers and body leave in
    // one write (a write, then an end, costs a cork and an uncork on the next tick).
    if (this.received === this.expected) {
      this.res.end(chunk);
      return true;
    }
    if (this.res.write(chunk)) return true;
    // Backpressure: undici's parser pauses until the client has taken what is buffered.
    if (this.resumeUpstream !== undefined) this.res.once('drain', this.resumeUpstream);
    return false;
  }

  onComplete(): void {
    this.settled = true;
    if (!this.res.writableEnded) this.res.end();
  }

  onError(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    const { req, res, upstream, edge } = this;
    if (res.headersSent || res.destroyed) {
      if (!res.destroyed) upstream.logger.warn({ requestId: edge.requestId, err, upstream: upstream.name }, 'response stream from upstream ended early');
      res.destroy();
      return;
    }
    const timedOut = timeoutCodes.has((err as { code?: string }).code ?? '');
    upstream.logger.warn({ requestId: edge.requestId, err, upstream: upstream.name, timedOut }, timedOut ? 'upstream too slow' : 'cannot reach upstream');
    const context = { requestId: edge.requestId, headers: edge.answerHeaders, contract: upstream.contract };
    if (timedOut) answerPlainProblem(req, res, 504, `${upstream.name} did not answer within ${upstream.timeout} ms.`, context);
    else answerPlainProblem(req, res, 502, `${upstream.name} cannot be reached; try again later.`, context);
  }

  /** The response is over: a client that went away mid-request or mid-response releases the upstream request too. */
  closed(): void {
    if (!this.res.writableFinished) {
      this.settled = true;
      this.clientGone = true;
      this.abortUpstream?.(new Error('the client closed the connection'));
    }
    this.upstream.finished(this.req, this.res, this.edge);
  }
}

/** The Content-Length of a flat header list, or -1 (none, or not one plain number). */
function contentLength(headers: readonly string[]): number {
  for (let i = 0; i < headers.length; i += 2) {
    if ((headers[i] as string).length === 14 && (headers[i] as string).toLowerCase() === 'content-length') {
      const value = headers[i + 1] as string;
      return /^\d{1,15}$/.test(value) ? Number(value) : -1;
    }
  }
  return -1;
}

/** Shared listeners (no closure per request): the exchange rides on the emitter. */
function onResponseClose(this: ServerResponse & Carrier): void {
  this[exchangeKey]?.closed();
}
function onRequestError(this: IncomingMessage & Carrier): void {
  const exchange = this[exchangeKey];
  exchange?.abortUpstream?.(new Error('the client request failed'));
}

/**
 * Forwards requests to one upstream and streams the answers back: method, path, status and
 * end-to-end headers unchanged, bodies streamed in both directions with backpressure (never
 * buffered), the request id passed on. Answers problem+json 502 when the upstream cannot be reached
 * and 504 when it stays silent longer than the timeout; a response cut after its headers is cut for
 * the client too. Upstream connections are an undici `Pool` (keep-alive, made once); per request the
 * work is one handler object and two flat header lists (bench/ CPU profiles of the gateway).
 */
export function createProxy(options: ProxyOptions): Proxy {
  const target = new URL(options.target);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new Error(`cannot create proxy to ${options.name}: target must be an http(s) URL (got ${options.target})`);
  }
  if (!Number.isInteger(options.timeout) || options.timeout <= 0) {
    throw new Error(`cannot create proxy to ${options.name}: timeout must be a positive integer of ms (got ${options.timeout})`);
  }
  const pool = new Pool(target.origin, { headersTimeout: options.timeout, bodyTimeout: options.timeout });
  const upstream: Upstream = { ...options, origin: target.origin, host: target.host, contract: `contracts/openapi/${options.name}.yaml` };

  return {
    forward(req, res, edge) {
      const exchange = new ProxiedRequest(upstream, req, res, edge);
      (res as ServerResponse & Carrier)[exchangeKey] = exchange;
      res.on('close', onResponseClose);
      let body: IncomingMessage | null = null;
      if (hasBody(req)) {
        body = req;
        (req as IncomingMessage & Carrier)[exchangeKey] = exchange;
        req.on('error', onRequestError);
      }
      const headers = forwardedRawHeaders(req, { host: upstream.host, requestId: edge.requestId, traceparent: edge.traceparent });
      pool.dispatch({ origin: upstream.origin, method: req.method as Dispatcher.HttpMethod, path: req.url ?? '/', headers, body }, exchange);
    },
    close: () => void pool.destroy().catch(() => {}),
  };
}
