import type { RequestHandler } from 'express';
import { requestPath, requestState } from './request-state.ts';

/**
 * Writes one log line per request when its response ends (or the client goes away):
 * method, path, status, duration. Probe paths at debug whatever their status (a probe polls a
 * 503 every few seconds while a peer is down; the cause is logged where it happens), other 5xx
 * at error level, the rest at info.
 */
export function accessLog(options: { readonly quietPaths: ReadonlySet<string> }): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const { log } = requestState(res);
      const durationMs = Number((process.hrtime.bigint() - started) / 1000n) / 1000;
      const path = requestPath(req);
      const line = { method: req.method, path, status: res.statusCode, durationMs };
      if (!res.writableFinished) log.warn({ ...line, aborted: true }, 'request aborted by the client');
      else if (options.quietPaths.has(path)) log.debug(line, 'request completed');
      else if (res.statusCode >= 500) log.error(line, 'request failed');
      else log.info(line, 'request completed');
    });
    next();
  };
}
