/**
 * Small pieces both serving paths of the gRPC listener use on Node's HTTP/2 streams (node-handler.ts
 * for connect-es's universal handlers, grpc-fast-path.ts for plain gRPC calls).
 */
import { constants } from 'node:http2';
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { Code, ConnectError } from '@connectrpc/connect';

/** One request header field as a string ('' when absent). */
export function field(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return typeof value === 'string' ? value : Array.isArray(value) ? value.join(', ') : '';
}

/** Why a stream that closed before its answer did is cancelled, from its reset code (as connect-node maps them). */
export function closeReason(rstCode: number | undefined): ConnectError {
  const name = `http/2 stream closed with error code 0x${(rstCode ?? 0).toString(16)}`;
  switch (rstCode) {
    case constants.NGHTTP2_REFUSED_STREAM:
      return new ConnectError(name, Code.Unavailable);
    case constants.NGHTTP2_ENHANCE_YOUR_CALM:
      return new ConnectError(name, Code.ResourceExhausted);
    case constants.NGHTTP2_INADEQUATE_SECURITY:
    case constants.NGHTTP2_HTTP_1_1_REQUIRED:
      return new ConnectError(name, Code.PermissionDenied);
    case constants.NGHTTP2_PROTOCOL_ERROR:
    case constants.NGHTTP2_INTERNAL_ERROR:
    case constants.NGHTTP2_FLOW_CONTROL_ERROR:
    case constants.NGHTTP2_SETTINGS_TIMEOUT:
    case constants.NGHTTP2_FRAME_SIZE_ERROR:
    case constants.NGHTTP2_COMPRESSION_ERROR:
    case constants.NGHTTP2_CONNECT_ERROR:
      return new ConnectError(name, Code.Internal);
    default:
      return new ConnectError(name, Code.Canceled);
  }
}

/** `header` (a fetch Headers) as Node's outgoing headers, with `:status` when given. */
export function nodeHeaders(header: Headers | undefined, status?: number): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = status === undefined ? {} : { [constants.HTTP2_HEADER_STATUS]: status };
  header?.forEach((value, name) => {
    const existing = out[name];
    out[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [String(existing), value];
  });
  return out;
}

/** Resolves once `stream` can take more; rejects (ABORTED) when it closes first. */
export function drained(stream: ServerHttp2Stream): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', closed);
      resolve();
    };
    const closed = (): void => {
      stream.off('drain', done);
      reject(new ConnectError('the stream closed while writing the answer', Code.Aborted));
    };
    stream.once('drain', done);
    stream.once('close', closed);
  });
}
