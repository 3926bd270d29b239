import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { RequestHandler, Response } from 'express';
import { headerNames } from '@platform/runtime/http';
import { requestState } from '@platform/runtime/rest';
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

/**
 * Forwards a request to one upstream and streams the answer back: method, path, status and
 * end-to-end headers unchanged, bodies piped in both directions (never buffered), the request
 * id passed on. Answers problem+json 502 when the upstream cannot be reached and 504 when it
 * stays silent longer than the timeout; a response cut after its headers is cut for the client too.
 */
export function createProxy(options: ProxyOptions): Proxy {
  const target = new URL(options.target);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new Error(`cannot create proxy to ${options.name}: target must be an http(s) URL (got ${options.target})`);
  }
  if (!Number.isInteger(options.timeout) || options.timeout <= 0) {
    throw new Error(`cannot create proxy to ${options.name}: timeout must be a positive integer of ms (got ${options.timeout})`);
  }
  const secure = target.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const send = secure ? httpsRequest : httpRequest;

  const handler: RequestHandler = (req, res) => {
    const { log, requestId } = requestState(res);
    const headers = forwardedRequestHeaders(req, requestId, req.protocol);
    headers.host = target.host;

    let timedOut = false;
    const upstream = send({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: req.originalUrl,
      headers,
      agent,
      timeout: options.timeout,
    });

    upstream.on('timeout', () => {
      timedOut = true;
      upstream.destroy(new Error(`no answer within ${options.timeout} ms`));
    });
    upstream.on('response', (answer: IncomingMessage) => {
      (res.locals as Record<symbol, boolean>)[passedThrough] = true;
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, { ...endToEndHeaders(answer.headersDistinct), [headerNames.requestId]: requestId });
      // pipe, not stream.pipeline: pipeline aborts an AbortController when every response completes,
      // and building that DOMException cost about 5 % of the gateway's CPU (bench/ CPU profile).
      // Errors both ways are still handled: here for the upstream, below ('close') for the client.
      answer.once('error', (err) => {
        log.warn({ err, upstream: options.name }, 'response stream from upstream ended early');
        res.destroy();
      });
      answer.pipe(res);
    });
    upstream.on('error', (err) => {
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      log.warn({ err, upstream: options.name, timedOut }, timedOut ? 'upstream too slow' : 'cannot reach upstream');
      if (timedOut) answerProblem(req, res, 504, `${options.name} did not answer within ${options.timeout} ms.`);
      else answerProblem(req, res, 502, `${options.name} cannot be reached; try again later.`);
    });

    // A client that goes away mid-request or mid-response releases the upstream request too.
    req.on('error', () => upstream.destroy());
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };

  return { handler, close: () => agent.destroy() };
}
