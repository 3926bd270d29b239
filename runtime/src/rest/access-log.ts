import type { RequestHandler } from 'express';
import { requestPath, requestState } from './request-state.ts';

/**
 * Writes one log line per request when its response ends (or the client goes away):
 * method, path, status, duration. 5xx at error level, probe paths at debug, the rest at info.
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
      else if (res.statusCode >= 500) log.error(line, 'request failed');
      else if (options.quietPaths.has(path)) log.debug(line, 'request completed');
      else log.info(line, 'request completed');
    });
    next();
  };
}
