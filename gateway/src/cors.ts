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
export function isPreflight(req: { readonly method?: string | undefined; readonly headers: Readonly<Record<string, unknown>> }): boolean {
  return req.method === 'OPTIONS' && req.headers.origin !== undefined && req.headers['access-control-request-method'] !== undefined;
}

/**
 * The CORS response headers of a request as a flat `[name, value, ...]` list, compiled once for
 * the configured origins: none without CORS, else `Vary` (answers differ by origin) and, for an
 * allowed origin, the `Access-Control-*` headers (a preflight's too).
 */
export function corsHeaders(origins: readonly string[]): (req: { readonly method?: string | undefined; readonly headers: Readonly<Record<string, string | string[] | undefined>> }) => readonly string[] {
  const none: readonly string[] = Object.freeze([]);
  if (origins.length === 0) return () => none;
  const any = origins.includes('*');
  const allowed = new Set(origins);
  const varyOnly: readonly string[] = Object.freeze(['vary', 'Origin']);
  const exposed = exposedHeaders.join(', ');
  const methods = allowedMethods.join(', ');
  return (req) => {
    const origin = req.headers.origin;
    if (typeof origin !== 'string' || !(any || allowed.has(origin))) return varyOnly;
    const allowOrigin = any ? '*' : origin;
    if (!isPreflight(req)) {
      return ['vary', 'Origin', 'access-control-allow-origin', allowOrigin, 'access-control-expose-headers', exposed];
    }
    const headers = ['vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers', 'access-control-allow-origin', allowOrigin, 'access-control-expose-headers', exposed, 'access-control-allow-methods', methods];
    const requested = req.headers['access-control-request-headers'];
    if (typeof requested === 'string') headers.push('access-control-allow-headers', requested);
    headers.push('access-control-max-age', String(preflightMaxAge));
    return headers;
  };
}

/** Adds the CORS headers for allowed origins (`corsHeaders`) to an answer Express makes. */
export function cors(origins: readonly string[]): RequestHandler {
  const headersOf = corsHeaders(origins);
  return (req, res, next) => {
    const headers = headersOf(req);
    for (let i = 0; i < headers.length; i += 2) {
      const [name, value] = [headers[i] as string, headers[i + 1] as string];
      if (name === 'vary') res.vary(value);
      else res.setHeader(name, value);
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
