/**
 * CORS at the edge, only when `CORS_ORIGINS` names the origins allowed to call from a browser.
 * The gateway adds the headers; the answers stay the services' own (a preflight to an API path
 * is the service's `OPTIONS` answer, 204 with `Allow`, plus these headers).
 */
import type { RequestHandler } from 'express';
import type { Setting } from '@platform/runtime/config';

/** Response headers a page may read besides the CORS-safelisted ones. */
export const exposedHeaders = ['Location', 'ETag', 'X-Request-Id', 'Allow', 'Accept-Encoding', 'WWW-Authenticate', 'Grpc-Status', 'Grpc-Message', 'Grpc-Status-Details-Bin'] as const;
/** Methods a preflight may ask for. */
export const allowedMethods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'] as const;
/** How long a browser may cache a preflight answer, in seconds. */
export const preflightMaxAge = 600;

/** `CORS_ORIGINS`: comma-separated origins (`https://app.example.com`) or `*` for any; unset or blank: no CORS. */
export function corsOrigins(variable: string): Setting<readonly string[]> {
  return {
    variable,
    parse(raw) {
      const origins = (raw ?? '').split(',').map((origin) => origin.trim()).filter((origin) => origin !== '');
      const bad = origins.filter((origin) => origin !== '*' && (!URL.canParse(origin) || new URL(origin).origin !== origin));
      if (bad.length > 0) return { ok: false, problem: `must be * or comma-separated origins like https://app.example.com (got ${JSON.stringify(bad[0])})` };
      return { ok: true, value: origins };
    },
  };
}

/** Whether a request is a CORS preflight (an OPTIONS asking for another method). */
export function isPreflight(req: { readonly method: string; readonly headers: Readonly<Record<string, unknown>> }): boolean {
  return req.method === 'OPTIONS' && req.headers.origin !== undefined && req.headers['access-control-request-method'] !== undefined;
}

/** Adds the CORS headers for allowed origins; `Vary: Origin` on every answer, as they differ by origin. */
export function cors(origins: readonly string[]): RequestHandler {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  return (req, res, next) => {
    if (origins.length === 0) return next();
    res.vary('Origin');
    const origin = req.headers.origin;
    if (origin === undefined || !(any || allowed.has(origin))) return next();
    res.setHeader('access-control-allow-origin', any ? '*' : origin);
    res.setHeader('access-control-expose-headers', exposedHeaders.join(', '));
    if (isPreflight(req)) {
      res.vary('Access-Control-Request-Method');
      res.vary('Access-Control-Request-Headers');
      res.setHeader('access-control-allow-methods', allowedMethods.join(', '));
      const requested = req.headers['access-control-request-headers'];
      if (requested !== undefined) res.setHeader('access-control-allow-headers', requested);
      res.setHeader('access-control-max-age', String(preflightMaxAge));
    }
    next();
  };
}

/** Answers a preflight no route took (paths outside the APIs) with 204; the CORS headers are set by then. */
export function preflightFallback(origins: readonly string[]): RequestHandler {
  return (req, res, next) => {
    if (origins.length > 0 && isPreflight(req)) res.status(204).end();
    else next();
  };
}
