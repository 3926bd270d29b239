import type { RequestHandler, Response } from 'express';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import { headerNames } from '@platform/runtime/http';
import { hasBody, requestState } from '@platform/runtime/rest';
import { endToEndHeaders, forwardedRequestHeaders } from './forwarded-headers.ts';
import { answerProblem } from './answer-problem.ts';

const passedThrough = Symbol('gateway.proxy.passed-through');

/** Whether this answer is the upstream's, passed through (not one the gateway made itself, such as a 502). */
export function answeredByUpstream(res: Response): boolean {
  return (res.locals as Record<symbol, boolean | undefined>)[passedThrough] === true;
}

export interface ProxyOptions {
  /** Upstream origin, e.g. `http://localhost:5000`; the request path is sent unchanged. */
  readonly target: string;
  /** Upstream name for problems and logs, e.g. `platform-service`. */
  readonly name: string;
  /** Longest upstream silence in ms (waiting for headers or between body bytes); then 504, or the response is cut. */
  readonly timeout: number;
}

export interface Proxy {
  readonly handler: RequestHandler;
  /** Closes the pooled upstream connections. */
  close(): void;
}

/** Upstream errors that mean silence (no headers, or no body bytes, within the timeout): 504 rather than 502. */
const timeoutCodes: ReadonlySet<string> = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** undici's parsed answer headers (a repeated one as an array) in `headersDistinct`'s shape. */
function distinct(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string[]> {
  const all: Record<string, string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) all[name] = Array.isArray(value) ? value : [value];
  }
  return all;
}

/**
 * Forwards a request to one upstream and streams the answer back: method, path, status and
 * end-to-end headers unchanged, bodies streamed in both directions (never buffered, the answer
 * with backpressure), the request id passed on. Answers problem+json 502 when the upstream cannot
 * be reached and 504 when it stays silent longer than the timeout; a response cut after its
 * headers is cut for the client too. Upstream connections are an undici `Pool` (keep-alive): its
 * dispatch does per request what Node's `ClientRequest` and `Agent` did at about a third of the
 * cost (bench/ CPU profiles of the gateway).
 */
export function createProxy(options: ProxyOptions): Proxy {
  const target = new URL(options.target);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new Error(`cannot create proxy to ${options.name}: target must be an http(s) URL (got ${options.target})`);
  }
  if (!Number.isInteger(options.timeout) || options.timeout <= 0) {
    throw new Error(`cannot create proxy to ${options.name}: timeout must be a positive integer of ms (got ${options.timeout})`);
  }
  const pool = new Pool(target.origin, { headersTimeout: options.timeout, bodyTimeout: options.timeout });

  const handler: RequestHandler = (req, res) => {
    const { log, requestId } = requestState(res);
    const headers = forwardedRequestHeaders(req, requestId, req.protocol);
    headers.host = target.host;
    // Node's server has answered `100-continue` to the client already; undici sends no `Expect`.
    delete headers.expect;
    let controller: Dispatcher.DispatchController | undefined;
    let settled = false;

    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      if (res.headersSent || res.destroyed) {
        if (!res.destroyed) log.warn({ err, upstream: options.name }, 'response stream from upstream ended early');
        res.destroy();
        return;
      }
      const timedOut = timeoutCodes.has((err as { code?: string }).code ?? '');
      log.warn({ err, upstream: options.name, timedOut }, timedOut ? 'upstream too slow' : 'cannot reach upstream');
      if (timedOut) answerProblem(req, res, 504, `${options.name} did not answer within ${options.timeout} ms.`);
      else answerProblem(req, res, 502, `${options.name} cannot be reached; try again later.`);
    };

    pool.dispatch(
      { origin: target.origin, method: req.method as Dispatcher.HttpMethod, path: req.originalUrl, headers: headers as Record<string, string | string[]>, body: hasBody(req) ? req : null },
      {
        onRequestStart(started) {
          controller = started;
          // The client left while the pool was still finding a connection: never send the request.
          if (settled || res.destroyed) started.abort(new Error('the client closed the connection'));
        },
        onResponseStart(_controller, statusCode, answerHeaders, statusMessage) {
          (res.locals as Record<symbol, boolean>)[passedThrough] = true;
          res.writeHead(statusCode, statusMessage, { ...endToEndHeaders(distinct(answerHeaders)), [headerNames.requestId]: requestId });
        },
        onResponseData(paused, chunk) {
          if (!res.write(chunk)) {
            paused.pause();
            res.once('drain', () => paused.resume());
          }
        },
        onResponseEnd() {
          settled = true;
          res.end();
        },
        onResponseError(_controller, err) {
          fail(err);
        },
      },
    );

    // A client that goes away mid-request or mid-response releases the upstream request too.
    req.on('error', () => controller?.abort(new Error('the client request failed')));
    res.on('close', () => {
      if (!res.writableFinished) {
        settled = true;
        controller?.abort(new Error('the client closed the connection'));
      }
    });
  };

  return { handler, close: () => void pool.destroy().catch(() => {}) };
}
