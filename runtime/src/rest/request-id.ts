import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { restHeaders } from './headers.ts';
import { setRequestState } from './request-state.ts';

/** Ids a caller may choose: short, printable, no spaces or quotes (safe in headers and logs). */
const acceptedId = /^[\w.:+=/-]{1,128}$/;

/**
 * Gives every request an id: the caller's `x-request-id` when it is acceptable, otherwise a
 * new UUID. Echoes it in the response header and binds a child logger to it.
 */
export function requestId(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const offered = req.headers[restHeaders.requestId];
    const id = typeof offered === 'string' && acceptedId.test(offered) ? offered : randomUUID();
    res.setHeader(restHeaders.requestId, id);
    setRequestState(res, { requestId: id, log: logger.child({ requestId: id }) });
    next();
  };
}
