import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { headerNames } from '../http/index.ts';
import { requestIdFrom } from '../logging/index.ts';
import { traceIdOf } from '../observability/trace-context.ts';
import { lazyRequestState, setRequestState } from './request-state.ts';

/**
 * Gives every request an id: the caller's `x-request-id` when it is a sane token (the one rule
 * of runtime/logging, shared with the gateway), otherwise a new UUID. Echoes it in the response
 * header and binds a child logger to it (made when first used), with the request's trace id when
 * it has one (the `traceparent` header, which the telemetry middleware before this one sets to its span's).
 */
export function requestId(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const id = requestIdFrom(req.headers);
    res.setHeader(headerNames.requestId, id);
    const traceparent = req.headers[headerNames.traceparent];
    const traceId = typeof traceparent === 'string' ? traceIdOf(traceparent) : undefined;
    const state = lazyRequestState(logger, id);
    if (traceId !== undefined) state.bind({ traceId });
    setRequestState(res, state);
    next();
  };
}
