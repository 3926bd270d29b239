import type { RequestHandler, Response } from 'express';
import { headerNames } from '@platform/runtime/http';
import { requestIdFrom } from '@platform/runtime/logging';
import type { Logger } from '@platform/runtime/logging';

/** What the gateway knows about a request: its id and a logger bound to it. */
export interface GatewayState {
  readonly requestId: string;
  readonly log: Logger;
}

const states = new WeakMap<Response, GatewayState>();

/** The state `requestContext` attached to this response. */
export function gatewayState(res: Response): GatewayState {
  const state = states.get(res);
  if (!state) throw new Error('cannot read request state: the requestContext middleware did not run');
  return state;
}

/**
 * The edge of the platform: keeps the caller's `x-request-id` when it is a sane token, else
 * makes one (the proxy passes it upstream); echoes it on the response and logs one line per
 * request when the response ends.
 */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const requestId = requestIdFrom(req.headers);
    res.setHeader(headerNames.requestId, requestId);
    const log = logger.child({ requestId });
    states.set(res, { requestId, log });
    const started = performance.now();
    res.once('close', () => {
      const line = { method: req.method, path: req.originalUrl.split('?')[0], status: res.statusCode, durationMs: Math.round(performance.now() - started) };
      if (!res.writableFinished) log.warn({ ...line, aborted: true }, 'request ended before its response');
      else if (res.statusCode >= 500) log.error(line, 'request failed');
      else if (line.path === '/healthz' || line.path === '/readyz') log.debug(line, 'request completed');
      else log.info(line, 'request completed');
    });
    next();
  };
}
