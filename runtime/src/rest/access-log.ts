import type { RequestHandler } from 'express';
import { requestPath, requestState } from './request-state.ts';

/** One access line: the request's bound fields first, as a logger bound to them would have written them. */
interface AccessLine {
  [bound: string]: unknown;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  aborted?: true;
}

/**
 * Writes one log line per request when its response ends (or the client goes away):
 * method, path, status, duration. Probe paths at debug whatever their status (a probe polls a
 * 503 every few seconds while a peer is down; the cause is logged where it happens), other 5xx
 * at error level, the rest at info. Cheap on the hot path: no child logger is made for the line
 * (the request's bound fields, its id first, are written with the line unless its logger was made),
 * and lines reach standard output in batches (logging/buffered-stdout.ts).
 */
export function accessLog(options: { readonly quietPaths: ReadonlySet<string> }): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.once('close', () => {
      const state = requestState(res);
      const unbound = state.unbound;
      const log = unbound?.logger ?? state.log;
      const path = requestPath(req);
      const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
      const line: AccessLine = { ...unbound?.fields, method: req.method, path, status: res.statusCode, durationMs };
      if (!res.writableFinished) {
        line.aborted = true;
        log.warn(line, 'request aborted by the client');
      } else if (options.quietPaths.has(path)) log.debug(line, 'request completed');
      else if (res.statusCode >= 500) log.error(line, 'request failed');
      else log.info(line, 'request completed');
    });
    next();
  };
}
