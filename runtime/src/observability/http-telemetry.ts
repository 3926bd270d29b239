import { SpanKind, SpanStatusCode, context } from '@opentelemetry/api';
import type { Request, RequestHandler, Response } from 'express';
import { Router } from 'express';
import { traceparentFrom } from '../http/trace-context.ts';
import { headerNames } from '../http/headers.ts';
import type { PartMetrics } from './metrics.ts';
import type { PartTelemetry } from './telemetry.ts';
import { startSpan } from './tracing.ts';
import type { ActiveSpan } from './tracing.ts';

/** Where every part's HTTP listener serves its Prometheus metrics: an infrastructure route, like /healthz. */
export const metricsPath = '/metrics';

/** Names the operation a request was for (a bounded set: operationIds, infrastructure routes, `unmatched`). */
export type OperationOf = (req: Request, res: Response) => string;

/**
 * Measures every request into `http_server_request_duration_seconds` and, with tracing on, makes it
 * a server span: the parent is the caller's `traceparent`, and the request's `traceparent` header is
 * replaced by the span's, so whatever the request causes downstream (an outbox row, a proxied call)
 * is the span's child. Goes before the request-id middleware, which logs the trace id.
 */
export function httpTelemetry(telemetry: PartTelemetry, operationOf: OperationOf): RequestHandler {
  const { metrics, tracing } = telemetry;
  if (metrics === undefined && tracing === undefined) return (_req, _res, next) => next();
  return (req, res, next) => {
    const started = performance.now();
    let active: ActiveSpan | undefined;
    if (tracing !== undefined) {
      active = startSpan(tracing.tracer, req.method, SpanKind.SERVER, traceparentFrom(req.headers), { 'http.request.method': req.method, 'url.path': req.path });
      req.headers[headerNames.traceparent] = active.traceparent;
      // A proxy forwards `headersDistinct` (computed once, from the raw headers): the span's there too.
      req.headersDistinct[headerNames.traceparent] = [active.traceparent];
      // Body and response events run in the span's context too (a socket's events otherwise do not).
      context.bind(active.context, req);
      context.bind(active.context, res);
    }
    res.once('close', () => {
      const operation = operationOf(req, res);
      metrics?.httpRequest(operation, req.method, res.statusCode, (performance.now() - started) / 1000);
      if (active === undefined) return;
      active.span.updateName(`${req.method} ${operation}`);
      active.span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) active.span.setStatus({ code: SpanStatusCode.ERROR });
      active.span.end();
    });
    if (active === undefined) next();
    else context.with(active.context, next);
  };
}

/** GET (and HEAD) `/metrics`: the part's registry in the Prometheus text format; nothing when metrics are off. */
export function metricsRoute(metrics: PartMetrics | undefined): Router {
  const router = Router();
  if (metrics === undefined) return router;
  router.get(metricsPath, (_req, res, next) => {
    metrics.registry.metrics().then((text) => {
      res.status(200).setHeader('content-type', metrics.registry.contentType);
      res.end(text);
    }, next);
  });
  return router;
}
