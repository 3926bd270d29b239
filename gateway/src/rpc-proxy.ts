import { constants as h2 } from 'node:http2';
import type { ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import { Code, ConnectError } from '@connectrpc/connect';
import { Http2SessionManager } from '@connectrpc/connect-node';
import type { Request, RequestHandler, Response } from 'express';
import { headerNames } from '@platform/runtime/http';
import { rpcErrorResponse, rpcProtocol } from '@platform/runtime/grpc';
import { requestState } from '@platform/runtime/rest';
import { answerProblem } from './answer-problem.ts';
import { forwardedRequestHeaders } from './forwarded-headers.ts';

export interface RpcProxyOptions {
  /** The upstream gRPC listener (cleartext HTTP/2), e.g. `http://localhost:5001`; paths are sent unchanged. */
  readonly target: string;
  /** Upstream name for errors and logs, e.g. `platform-service`. */
  readonly name: string;
  /** Longest upstream silence in ms (waiting for headers or between body bytes); then UNAVAILABLE, or the response is cut. */
  readonly timeout: number;
}

export interface RpcProxy {
  readonly handler: RequestHandler;
  /** Closes the upstream connection. */
  close(): void;
}

/**
 * Forwards Connect and gRPC-Web calls, which browsers make over HTTP/1.1, to an h2c gRPC listener
 * over one multiplexed HTTP/2 connection: method, path, body and end-to-end headers unchanged,
 * both bodies streamed (a server-streaming response reaches the caller message by message), the
 * request id passed on. Errors of the gateway itself answer in the caller's protocol: UNAVAILABLE
 * when the upstream cannot be reached or stays silent, UNIMPLEMENTED for gRPC, which needs HTTP/2
 * end to end (its trailers do not cross HTTP/1.1). Anything else the upstream answers.
 */
export function createRpcProxy(options: RpcProxyOptions): RpcProxy {
  const target = new URL(options.target);
  if (target.protocol !== 'http:') throw new Error(`cannot create RPC proxy to ${options.name}: target must be an http: URL of an h2c listener (got ${options.target})`);
  if (!Number.isInteger(options.timeout) || options.timeout <= 0) {
    throw new Error(`cannot create RPC proxy to ${options.name}: timeout must be a positive integer of ms (got ${options.timeout})`);
  }
  const upstream = new Http2SessionManager(target);

  const handler: RequestHandler = (req, res) => {
    const procedure = procedureOf(req);
    if (rpcProtocol(req.method, req.headers['content-type']) === 'grpc') {
      const why = `gRPC needs HTTP/2 end to end; call it with the Connect or gRPC-Web protocol here, or with gRPC on ${options.name}'s gRPC port`;
      answerError(req, res, new ConnectError(`cannot call ${procedure} through the gateway: ${why}`, Code.Unimplemented), 415);
      return;
    }
    const { log, requestId } = requestState(res);
    const headers: OutgoingHttpHeaders = forwardedRequestHeaders(req, requestId, req.protocol);
    delete headers.host;
    const bodyless = req.method === 'GET' || req.method === 'HEAD';
    upstream.request(req.method, req.originalUrl, headers, { endStream: bodyless }).then(
      (stream) => forward(req, res, stream, bodyless),
      (err: unknown) => {
        log.warn({ err, upstream: options.name }, 'cannot reach upstream');
        answerError(req, res, new ConnectError(`cannot call ${procedure}: ${options.name} cannot be reached; try again later`, Code.Unavailable), 502);
      },
    );
  };

  function forward(req: Request, res: Response, stream: ClientHttp2Stream, bodyless: boolean): void {
    const { log, requestId } = requestState(res);
    const procedure = procedureOf(req);
    let timedOut = false;
    stream.setTimeout(options.timeout, () => {
      timedOut = true;
      stream.close(h2.NGHTTP2_CANCEL);
    });
    stream.on('response', (answer: IncomingHttpHeaders) => {
      res.writeHead(Number(answer[':status'] ?? 502), { ...responseHeaders(answer), [headerNames.requestId]: requestId });
      stream.on('data', () => upstream.notifyResponseByteRead(stream));
      stream.pipe(res);
    });
    stream.on('error', (err) => {
      // The upstream may reset a stream after its complete answer (to stop an upload it refused).
      if (res.writableEnded) return;
      if (res.headersSent) {
        log.warn({ err, upstream: options.name }, 'response stream from upstream ended early');
        res.destroy();
        return;
      }
      log.warn({ err, upstream: options.name, timedOut }, timedOut ? 'upstream too slow' : 'upstream call failed');
      unanswered(timedOut ? 'did not answer within' : 'cannot be reached');
    });
    stream.on('end', () => {
      // The call is over once the upstream has answered in full, even before it read the whole
      // request (RESOURCE_EXHAUSTED): the rest of the caller's body is read and dropped, so that a
      // caller still sending gets to read the answer, and the upstream stream is released.
      if (!req.readableEnded) {
        req.unpipe(stream);
        req.resume();
        stream.close(h2.NGHTTP2_CANCEL);
      }
    });
    // Closed without an error and without an answer: the timeout above, or an upstream reset.
    stream.on('close', () => unanswered(timedOut ? 'did not answer within' : 'closed the call without an answer'));
    function unanswered(what: 'did not answer within' | 'cannot be reached' | 'closed the call without an answer'): void {
      if (res.headersSent || res.destroyed) return;
      const why = what === 'did not answer within' ? `${what} ${options.timeout} ms` : `${what}; try again later`;
      answerError(req, res, new ConnectError(`cannot call ${procedure}: ${options.name} ${why}`, Code.Unavailable), timedOut ? 504 : 502);
    }
    // A caller that goes away mid-request or mid-response cancels the upstream call too.
    req.on('error', () => stream.close(h2.NGHTTP2_CANCEL));
    res.on('close', () => {
      if (!res.writableFinished) stream.close(h2.NGHTTP2_CANCEL);
    });
    if (!bodyless) req.pipe(stream);
  }

  return { handler, close: () => upstream.abort() };
}

/** The response's headers for HTTP/1.1: without the HTTP/2 pseudo-headers. */
function responseHeaders(answer: IncomingHttpHeaders): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(answer)) if (!name.startsWith(':') && value !== undefined) headers[name] = value;
  return headers;
}

/** `/platforms.v1.PlatformService/GetAllPlatforms?x` → `platforms.v1.PlatformService/GetAllPlatforms`. */
function procedureOf(req: Request): string {
  return (req.originalUrl.split('?', 1)[0] ?? '').slice(1);
}

/** `error` in the caller's RPC protocol; a request in none of them gets a problem with `problemStatus`. */
function answerError(req: Request, res: Response, error: ConnectError, problemStatus: number): void {
  const answer = rpcErrorResponse(req.method, req.headers['content-type'], error);
  if (answer === undefined) answerProblem(req, res, problemStatus, `${error.rawMessage}.`);
  else res.writeHead(answer.status, { ...answer.headers, [headerNames.requestId]: requestState(res).requestId }).end(answer.body);
}
