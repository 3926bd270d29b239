/**
 * The API side of the gateway, served on Node's `request` event before Express: a request whose
 * path one of the contracts' prefixes covers is forwarded here, with the steps every request of the
 * platform gets (request id, trace span, CORS, access line, metrics) written for this one path, so
 * a proxied request costs no Express layers, no per-request header objects and no child logger.
 * Everything else (docs, contracts, health, metrics, RPC) goes on to the Express app.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { headerNames, traceparentFrom } from '@platform/runtime/http';
import type { Logger } from '@platform/runtime/logging';
import { accessLineWriter, requestIdFrom } from '@platform/runtime/logging';
import type { AccessLine } from '@platform/runtime/logging';
import { startSpan, traceIdOf } from '@platform/runtime/observability';
import type { ActiveSpan, PartTelemetry } from '@platform/runtime/observability';
import { requestPath } from '@platform/runtime/rest';
import { corsHeaders } from './cors.ts';
import { createProxy } from './proxy.ts';
import type { Edge } from './proxy.ts';

/** One API upstream: its name (the metrics operation and span name), its prefixes, where it listens. */
export interface ApiRoute {
  readonly name: string;
  /** Whole-segment path prefixes (`/api/platforms`), matched in any case as Express mounts matched them. */
  readonly prefixes: readonly string[];
  /** Its origin, `http://localhost:5000`. */
  readonly url: string;
}

/** Finds the route of a request target; made once from the prefixes. */
export type ApiRouteTable<T extends Pick<ApiRoute, 'prefixes'>> = (url: string) => T | undefined;

/**
 * The route table of the API prefixes: a request target (`/api/platforms/7?x=1`) goes to the
 * upstream whose prefix covers its path (whole segments, any case, raw path); an absolute-form or
 * `*` target goes to none (Express answers it).
 */
export function apiRouteTable<T extends Pick<ApiRoute, 'prefixes'>>(routes: readonly T[]): ApiRouteTable<T> {
  const entries = routes.flatMap((upstream) => upstream.prefixes.map((prefix) => ({ prefix: prefix.toLowerCase(), upstream })));
  return (url) => {
    if (url.charCodeAt(0) !== 0x2f /* / */) return undefined;
    for (const { prefix, upstream } of entries) {
      if (url.length < prefix.length) continue;
      if (!url.startsWith(prefix) && url.slice(0, prefix.length).toLowerCase() !== prefix) continue;
      const next = url.charCodeAt(prefix.length);
      // End of the target, or a segment, query or fragment boundary.
      if (Number.isNaN(next) || next === 0x2f || next === 0x3f /* ? */ || next === 0x23 /* # */) return upstream;
    }
    return undefined;
  };
}

export interface ApiFrontOptions {
  readonly routes: readonly ApiRoute[];
  /** Longest upstream silence in ms; then 504 (proxy.ts). */
  readonly timeout: number;
  readonly logger: Logger;
  readonly telemetry: PartTelemetry;
  /** `CORS_ORIGINS`; empty: no CORS headers. */
  readonly corsOrigins: readonly string[];
}

/** What the front keeps of a request it forwards, for its access line, metrics and span. */
interface FrontEdge extends Edge {
  readonly upstream: string;
  readonly started: number;
  readonly traceId: string | undefined;
  readonly span: ActiveSpan | undefined;
}

export interface ApiFront {
  /** Forwards a request an API prefix covers and returns true; returns false for any other request (left untouched). */
  serve(req: IncomingMessage, res: ServerResponse): boolean;
  /** Closes the upstream connections. */
  close(): void;
}

/**
 * The origin form (`/path?query`) of an absolute-form request target (`http://host/path?query`),
 * which a server must accept (RFC 9112, 3.2.2) and Express turned into its path; any other target
 * (`*`, authority form, garbage) is left as it is, for Express to answer.
 */
export function originFormOf(target: string): string {
  if (!/^https?:\/\//i.test(target)) return target;
  try {
    const { pathname, search } = new URL(target);
    return pathname + search;
  } catch {
    return target;
  }
}

/** The gateway's `request` listener for the APIs, with one keep-alive proxy per upstream, made once. */
export function createApiFront(options: ApiFrontOptions): ApiFront {
  const { logger, telemetry } = options;
  const { metrics, tracing } = telemetry;
  const upstreams = options.routes.map((route) => ({
    name: route.name,
    prefixes: route.prefixes,
    proxy: createProxy({ target: route.url, name: route.name, timeout: options.timeout, logger, finished }),
  }));
  const routeOf = apiRouteTable(upstreams);
  const corsOf = corsHeaders(options.corsOrigins);
  const writeAccessLine = accessLineWriter(logger);

  function serve(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.url !== undefined && req.url.charCodeAt(0) !== 0x2f /* / */) req.url = originFormOf(req.url);
    const upstream = routeOf(req.url ?? '');
    if (upstream === undefined) return false;
    const started = performance.now();
    const headers = req.headers;
    const requestId = requestIdFrom(headers);
    let span: ActiveSpan | undefined;
    let traceparent: string | undefined;
    if (tracing !== undefined) {
      span = startSpan(tracing.tracer, req.method ?? '', SpanKind.SERVER, traceparentFrom(headers), { 'http.request.method': req.method, 'url.path': requestPath({ originalUrl: req.url ?? '' }) });
      traceparent = span.traceparent;
    }
    const callerTrace = headers[headerNames.traceparent];
    const traceId = traceparent !== undefined ? traceIdOf(traceparent) : typeof callerTrace === 'string' ? traceIdOf(callerTrace) : undefined;
    const edge: FrontEdge = { requestId, traceparent, answerHeaders: corsOf(req), upstream: upstream.name, started, traceId, span };
    upstream.proxy.forward(req, res, edge);
    return true;
  }

  /** The response is over: one access line (info; error for a 5xx; warn when the client left), metrics, the span. */
  function finished(req: IncomingMessage, res: ServerResponse, edge: Edge): void {
    const { upstream, started, traceId, span, requestId } = edge as FrontEdge;
    const elapsed = performance.now() - started;
    const method = req.method ?? '';
    const status = res.statusCode;
    const path = requestPath({ originalUrl: req.url ?? '' });
    const durationMs = Math.round(elapsed * 1000) / 1000;
    // The request's bound fields first, as a logger bound to them would have written them.
    const line: AccessLine = traceId === undefined ? { requestId, method, path, status, durationMs } : { requestId, traceId, method, path, status, durationMs };
    if (!res.writableFinished) {
      line.aborted = true;
      writeAccessLine('warn', line, 'request aborted by the client');
    } else if (status >= 500) writeAccessLine('error', line, 'request failed');
    else writeAccessLine('info', line, 'request completed');
    metrics?.httpRequest(upstream, method, status, elapsed / 1000);
    if (span !== undefined) {
      span.span.updateName(`${method} ${upstream}`);
      span.span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.span.setStatus({ code: SpanStatusCode.ERROR });
      span.span.end();
    }
  }

  return { serve, close: () => upstreams.forEach(({ proxy }) => proxy.close()) };
}
