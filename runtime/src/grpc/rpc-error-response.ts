/**
 * An error answered in the caller's own RPC protocol, for requests no connect-es handler takes
 * (an unknown method, an upstream the gateway cannot reach): the protocol is told by the request's
 * method and content type, as connect-es's handlers tell it.
 *
 * - gRPC and gRPC-Web: HTTP 200, a trailers-only response (`grpc-status`, `grpc-message` as headers, no body);
 * - Connect streaming (`application/connect+proto|json`): HTTP 200 and one end-stream message carrying the error;
 * - Connect unary (`application/proto|json`, or GET): the code's HTTP status and the error as JSON.
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { encodeEnvelope } from '@connectrpc/connect/protocol';
import {
  codeToHttpStatus,
  contentTypeStreamRegExp,
  contentTypeUnaryJson,
  contentTypeUnaryRegExp,
  endStreamFlag,
  endStreamToJson,
  errorToJsonBytes,
} from '@connectrpc/connect/protocol-connect';
import { contentTypeRegExp as grpcContentType } from '@connectrpc/connect/protocol-grpc';
import { contentTypeRegExp as grpcWebContentType } from '@connectrpc/connect/protocol-grpc-web';
import { encodeGrpcMessage } from './grpc-message.ts';

export type RpcProtocol = 'grpc' | 'grpc-web' | 'connect';

export interface RpcErrorResponse {
  readonly protocol: RpcProtocol;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/** The protocol of a request, or undefined when it is none of gRPC, gRPC-Web and Connect. */
export function rpcProtocol(method: string, contentType: string | undefined): RpcProtocol | undefined {
  const type = contentType ?? '';
  if (grpcContentType.test(type)) return 'grpc';
  if (grpcWebContentType.test(type)) return 'grpc-web';
  if (contentTypeStreamRegExp.test(type) || contentTypeUnaryRegExp.test(type) || method === 'GET') return 'connect';
  return undefined;
}

/** `error` as the protocol of this request answers it, or undefined when the request speaks none of them. */
export function rpcErrorResponse(method: string, contentType: string | undefined, error: ConnectError): RpcErrorResponse | undefined {
  const protocol = rpcProtocol(method, contentType);
  if (protocol === undefined) return undefined;
  const type = contentType ?? '';
  if (protocol === 'grpc' || protocol === 'grpc-web') {
    const headers = { 'content-type': type, 'grpc-status': String(error.code), 'grpc-message': encodeGrpcMessage(error.rawMessage) };
    return { protocol, status: 200, headers, body: new Uint8Array(0) };
  }
  if (contentTypeStreamRegExp.test(type)) {
    const endStream = new TextEncoder().encode(JSON.stringify(endStreamToJson(new Headers(), error, undefined)));
    return { protocol, status: 200, headers: { 'content-type': type }, body: encodeEnvelope(endStreamFlag, endStream) };
  }
  return { protocol, status: codeToHttpStatus(error.code), headers: { 'content-type': contentTypeUnaryJson }, body: errorToJsonBytes(error, {}) };
}

/** What an unknown `path` answers: UNIMPLEMENTED naming the method, and the service when it is unknown too. */
export function unimplementedError(path: string, services: ReadonlySet<string>): ConnectError {
  const procedure = /^\/([^/]+)\/([^/]+)$/.exec(path);
  const shown = path.length > 200 ? `${path.slice(0, 200)}...` : path;
  if (procedure === null) return new ConnectError(`cannot call ${shown}: not a method path (/package.Service/Method)`, Code.Unimplemented);
  const [, service = '', method = ''] = procedure;
  const why = services.has(service) ? `${service} has no method ${method}` : `unknown service ${service}`;
  return new ConnectError(`cannot call ${shown.slice(1)}: ${why}`, Code.Unimplemented);
}
