/**
 * The Node adapter of the gRPC listener: connect-es's router and protocol handlers (gRPC, gRPC-Web,
 * Connect) behind an HTTP/2 request listener. In the place of connect-node's `connectNodeAdapter`,
 * because three things are decided here, where the wire is written:
 * - every message read is limited to `readMaxBytes` (RESOURCE_EXHAUSTED past it, read no further);
 * - `grpc-message` is percent-encoded as the gRPC spec says (see grpc-message.ts);
 * - a path no handler serves answers UNIMPLEMENTED naming the method, in the caller's protocol,
 *   instead of a bare HTTP 404;
 * - a request message that does not decode answers INVALID_ARGUMENT, not INTERNAL (caller-faults.ts).
 */
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { Code, ConnectError, createConnectRouter } from '@connectrpc/connect';
import type { ConnectRouter, Interceptor } from '@connectrpc/connect';
import { compressionBrotli, compressionGzip, universalRequestFromNodeRequest, universalResponseToNodeResponse } from '@connectrpc/connect-node';
import type { Logger } from '../logging/index.ts';
import { withCallerFaults } from './caller-faults.ts';
import { withSpecGrpcMessage } from './grpc-message.ts';
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
}

const compressions = [compressionGzip, compressionBrotli];

/** Creates the request listener for `http2.createServer`. */
export function createNodeHandler(options: NodeHandlerOptions): (req: Http2ServerRequest, res: Http2ServerResponse) => void {
  const { logger } = options;
  const router = createConnectRouter({
    interceptors: [...options.interceptors],
    shutdownSignal: options.shutdownSignal,
    readMaxBytes: options.readMaxBytes,
    acceptCompression: compressions,
  });
  options.routes(router);
  const handlers = new Map(router.handlers.map((handler) => [handler.requestPath, handler]));
  const services = new Set(router.handlers.map((handler) => handler.service.typeName));

  return (req, res) => {
    const path = req.url.split('?', 1)[0] ?? '';
    const handler = handlers.get(path);
    if (handler === undefined) {
      unimplemented(req, res, path, services);
      return;
    }
    const request = universalRequestFromNodeRequest(req, res, undefined, undefined);
    handler(request)
      .then(async (response) => universalResponseToNodeResponse(await withCallerFaults(withSpecGrpcMessage(response, compressions)), res))
      .catch((reason: unknown) => {
        // Aborted: the client went away or the server is shutting down; nothing is left to answer.
        if (ConnectError.from(reason).code === Code.Aborted) return;
        logger.warn({ err: reason, rpc: `${handler.service.typeName}/${handler.method.name}` }, 'gRPC call could not be answered');
      });
  };
}

function unimplemented(req: Http2ServerRequest, res: Http2ServerResponse, path: string, services: ReadonlySet<string>): void {
  const answer = rpcErrorResponse(req.method, req.headers['content-type'], unimplementedError(path, services));
  // Nothing is read: the answer does not depend on the body, and the stream's end discards it.
  if (answer === undefined) res.writeHead(404).end();
  // Trailers-only: one HEADERS frame that ends the stream (the compatibility API would send the
  // headers, then end the stream without them, and gRPC clients would see no status).
  else if (answer.body.byteLength === 0) res.stream.respond({ ':status': answer.status, ...answer.headers }, { endStream: true });
  else res.writeHead(answer.status, answer.headers).end(answer.body);
}
