/**
 * The Node adapter of the gRPC listener: connect-es's router and protocol handlers (gRPC, gRPC-Web,
 * Connect) on Node's HTTP/2 stream API (`server.on('stream')`). In the place of connect-node's
 * `connectNodeAdapter` and of Node's HTTP/2 compatibility layer (`Http2ServerRequest` /
 * `Http2ServerResponse`, a sixth of a unary call's CPU in the bench profiles), because these are
 * decided here, where the wire is written:
 * - every message read is limited to `readMaxBytes` (RESOURCE_EXHAUSTED past it, read no further);
 * - `grpc-message` is percent-encoded as the gRPC spec says (see grpc-message.ts);
 * - a path no handler serves answers UNIMPLEMENTED naming the method, in the caller's protocol,
 *   instead of a bare HTTP 404;
 * - a request message that does not decode answers INVALID_ARGUMENT, not INTERNAL (caller-faults.ts);
 * - the call's signal is aborted only when the stream ends before the answer did (the client
 *   cancelled, or the connection went), not after every call;
 * - binary gRPC calls of unary and server-streaming methods take a shorter road over the same
 *   connect-es pieces (grpc-fast-path.ts); everything else goes through the universal handlers.
 */
import { constants } from 'node:http2';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { Code, ConnectError, createConnectRouter, createMethodImplSpec, createServiceImplSpec } from '@connectrpc/connect';
import type { ConnectRouter, Interceptor } from '@connectrpc/connect';
import type { UniversalServerRequest, UniversalServerResponse } from '@connectrpc/connect/protocol';
import { compressionBrotli, compressionGzip } from '@connectrpc/connect-node';
import type { Logger } from '../logging/index.ts';
import { withCallerFaults } from './caller-faults.ts';
import { createGrpcFastPath } from './grpc-fast-path.ts';
import type { GrpcFastPath } from './grpc-fast-path.ts';
import { withSpecGrpcMessage } from './grpc-message.ts';
import { closeReason, drained, field, nodeHeaders } from './http2-stream.ts';
import { rpcErrorResponse, unimplementedError } from './rpc-error-response.ts';

export interface NodeHandlerOptions {
  /** Registers the implementations. */
  readonly routes: (router: ConnectRouter) => void;
  /** Largest message read, in bytes (a Connect unary body, or one enveloped message). */
  readonly readMaxBytes: number;
  readonly interceptors: readonly Interceptor[];
  /** Aborted when in-flight calls must end. */
  readonly shutdownSignal: AbortSignal;
  readonly logger: Logger;
  /** Serve binary gRPC unary and server-streaming calls on the fast path (grpc-fast-path.ts). Default: true; false sends every call through connect-es's universal handlers. */
  readonly fastPath?: boolean;
}

/** Answers one HTTP/2 stream: the listener of `http2.createServer().on('stream', ...)`. */
export type StreamHandler = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void;

const compressions = [compressionGzip, compressionBrotli];

/** Creates the stream listener for an `http2` server. */
export function createNodeHandler(options: NodeHandlerOptions): StreamHandler {
  const { logger } = options;
  const router = createConnectRouter({
    interceptors: [...options.interceptors],
    shutdownSignal: options.shutdownSignal,
    readMaxBytes: options.readMaxBytes,
    acceptCompression: compressions,
  });
  const fastPath = createGrpcFastPath({ interceptors: options.interceptors, readMaxBytes: options.readMaxBytes, shutdownSignal: options.shutdownSignal, compressions, logger });
  options.routes(options.fastPath === false ? router : recording(router, fastPath));
  const handlers = new Map(router.handlers.map((handler) => [handler.requestPath, handler]));
  const services = new Set(router.handlers.map((handler) => handler.service.typeName));

  return (stream, headers) => {
    const target = field(headers, constants.HTTP2_HEADER_PATH);
    const query = target.indexOf('?');
    const path = query === -1 ? target : target.slice(0, query);
    const handler = handlers.get(path);
    if (handler === undefined) {
      unimplemented(stream, headers, path, services);
      return;
    }
    const url = requestUrl(headers, target);
    if (fastPath.serve(stream, headers, path, url)) return;
    const call = new AbortController();
    let answered = false;
    stream.once('close', () => {
      if (!answered) call.abort(closeReason(stream.rstCode));
    });
    // A stream error (a reset, the connection lost) also closes it; the close aborts the call.
    stream.on('error', () => undefined);
    handler(universalRequest(stream, headers, url, call.signal))
      .then(async (response) => writeResponse(await withCallerFaults(withSpecGrpcMessage(response, compressions)), stream))
      .then(() => {
        answered = true;
      })
      .catch((reason: unknown) => {
        answered = true;
        if (!stream.destroyed) stream.close(constants.NGHTTP2_INTERNAL_ERROR);
        // Aborted or cancelled: the client went away or the server is shutting down; nothing is left to answer.
        const code = ConnectError.from(reason).code;
        if (code === Code.Aborted || code === Code.Canceled || call.signal.aborted) return;
        logger.warn({ err: reason, rpc: `${handler.service.typeName}/${handler.method.name}` }, 'gRPC call could not be answered');
      });
  };
}

/**
 * `router`, also handing each implementation registered without options of its own to the fast
 * path (one with options, say its own interceptors or limits, stays with the universal handler).
 */
function recording(router: ConnectRouter, fastPath: GrpcFastPath): ConnectRouter {
  const recorder: ConnectRouter = {
    get handlers() {
      return router.handlers;
    },
    service(service, implementation, options) {
      router.service(service, implementation, options);
      if (options === undefined) for (const spec of Object.values(createServiceImplSpec(service, implementation).methods)) fastPath.add(spec);
      return recorder;
    },
    rpc(method, impl, options) {
      router.rpc(method, impl, options);
      if (options === undefined) fastPath.add(createMethodImplSpec(method, impl));
      return recorder;
    },
  };
  return recorder;
}

/** The URL connect-es gives a call's context. */
function requestUrl(headers: IncomingHttpHeaders, target: string): string {
  const authority = field(headers, constants.HTTP2_HEADER_AUTHORITY) || field(headers, 'host') || 'localhost';
  return `http://${authority}${target}`;
}

function universalRequest(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, url: string, signal: AbortSignal): UniversalServerRequest {
  const header = new Headers();
  for (const name in headers) {
    if (name.charCodeAt(0) === 58 /* ':' */) continue;
    const value = headers[name];
    if (typeof value === 'string') header.append(name, value);
    else if (Array.isArray(value)) for (const item of value) header.append(name, item);
    else if (value !== undefined) header.append(name, String(value));
  }
  return {
    httpVersion: '2.0',
    method: field(headers, constants.HTTP2_HEADER_METHOD),
    url,
    header,
    // A handler that stops reading (a message past readMaxBytes) must not reset the stream it still answers on.
    body: stream.iterator({ destroyOnReturn: false }),
    signal,
  };
}

/**
 * Writes `response` to `stream`: the headers once the first chunk is ready (so the handler can
 * still set response headers), each chunk respecting flow control, then the trailers.
 */
async function writeResponse(response: UniversalServerResponse, stream: ServerHttp2Stream): Promise<void> {
  const it = response.body?.[Symbol.asyncIterator]();
  try {
    let chunk = it === undefined ? undefined : await it.next();
    if (stream.destroyed) throw new ConnectError('the stream closed before the answer', Code.Aborted);
    const trailer = response.trailer;
    stream.respond(nodeHeaders(response.header, response.status), { waitForTrailers: trailer !== undefined });
    if (trailer !== undefined) stream.once('wantTrailers', () => stream.sendTrailers(nodeHeaders(trailer)));
    for (; chunk !== undefined && chunk.done !== true; chunk = await it!.next()) {
      if (!stream.write(chunk.value)) await drained(stream);
    }
    await new Promise<void>((resolve) => {
      stream.once('finish', resolve);
      stream.once('close', resolve);
      stream.end();
    });
  } catch (error) {
    await it?.throw?.(error).catch(() => undefined);
    throw error;
  } finally {
    await it?.return?.().catch(() => undefined);
  }
}

function unimplemented(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, path: string, services: ReadonlySet<string>): void {
  stream.on('error', () => undefined);
  const answer = rpcErrorResponse(field(headers, constants.HTTP2_HEADER_METHOD), field(headers, constants.HTTP2_HEADER_CONTENT_TYPE) || undefined, unimplementedError(path, services));
  // Nothing is read: the answer does not depend on the body, and the stream's end discards it.
  if (answer === undefined) stream.respond({ [constants.HTTP2_HEADER_STATUS]: 404 }, { endStream: true });
  // Trailers-only: one HEADERS frame that ends the stream.
  else if (answer.body.byteLength === 0) stream.respond({ [constants.HTTP2_HEADER_STATUS]: answer.status, ...answer.headers }, { endStream: true });
  else {
    stream.respond({ [constants.HTTP2_HEADER_STATUS]: answer.status, ...answer.headers });
    stream.end(answer.body);
  }
}
