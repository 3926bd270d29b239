/**
 * A request whose binary message does not decode is the caller's fault, but connect-es answers
 * it INTERNAL ("parse binary: ..."; HTTP 500 for a Connect unary call): it classifies every binary
 * decoding failure alike, for its clients' responses too. On a server only requests are parsed,
 * so such an error always means a malformed request: this rewrites it to INVALID_ARGUMENT in each
 * protocol's own form, message unchanged. Every other answer passes through untouched.
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { encodeEnvelope, transformSplitEnvelope } from '@connectrpc/connect/protocol';
import type { UniversalServerResponse } from '@connectrpc/connect/protocol';
import { codeToHttpStatus, endStreamFlag } from '@connectrpc/connect/protocol-connect';
import { whenDone } from './grpc-message.ts';
import { headerGrpcMessage, headerGrpcStatus, trailerFlag, trailerParse, trailerSerialize } from '@connectrpc/connect/protocol-grpc-web';

/** The text connect-es gives a request that does not decode (protocol/serialization.js). */
const parseFailure = /^parse binary: /;
const anySize = 0xffffffff;

function isParseFailure(code: string | number | null | undefined, message: string | null | undefined): boolean {
  const internal = code === Code.Internal || code === String(Code.Internal) || code === 'internal';
  if (!internal || message == null) return false;
  try {
    return parseFailure.test(decodeURIComponent(message));
  } catch {
    return parseFailure.test(message);
  }
}

/** `error` as INVALID_ARGUMENT when it is connect-es's request-decoding INTERNAL, else `error` itself (for the gRPC fast path). */
export function asCallerFault(error: ConnectError): ConnectError {
  return isParseFailure(error.code, error.rawMessage) ? new ConnectError(error.rawMessage, Code.InvalidArgument, error.metadata, undefined, error.cause) : error;
}

/** Rewrites `grpc-status` in gRPC header or trailer fields, in place. */
function fixGrpcFields(fields: Headers | undefined): void {
  if (fields && isParseFailure(fields.get(headerGrpcStatus), fields.get(headerGrpcMessage))) fields.set(headerGrpcStatus, String(Code.InvalidArgument));
}

/**
 * `response` with a request-decoding INTERNAL turned into INVALID_ARGUMENT, whatever the protocol.
 * Apply it after `withSpecGrpcMessage`, which leaves gRPC-Web trailers uncompressed.
 */
export async function withCallerFaults(response: UniversalServerResponse): Promise<UniversalServerResponse> {
  const contentType = response.header?.get('content-type') ?? '';
  const { body } = response;
  if (/^application\/grpc-web/i.test(contentType)) return body ? { ...response, body: rewriteEnvelopes(body, trailerFlag, fixGrpcWebTrailer) } : response;
  if (/^application\/grpc(?:\+|;|$)/i.test(contentType)) {
    fixGrpcFields(response.header);
    return body && response.trailer ? { ...response, body: whenDone(body, () => fixGrpcFields(response.trailer)) } : response;
  }
  if (/^application\/connect\+/i.test(contentType) && body) return { ...response, body: rewriteEnvelopes(body, endStreamFlag, fixEndStream) };
  if (response.status === codeToHttpStatus(Code.Internal) && /^application\/json/i.test(contentType) && body) return fixConnectUnary(response, body);
  return response;
}

function fixGrpcWebTrailer(data: Uint8Array): Uint8Array {
  const trailer = trailerParse(data);
  fixGrpcFields(trailer);
  return trailerSerialize(trailer);
}

function fixEndStream(data: Uint8Array): Uint8Array {
  const end = JSON.parse(new TextDecoder().decode(data)) as { error?: { code?: string; message?: string } };
  if (!isParseFailure(end.error?.code, end.error?.message)) return data;
  return new TextEncoder().encode(JSON.stringify({ ...end, error: { ...end.error, code: 'invalid_argument' } }));
}

/** A Connect unary error is one small JSON body, read before the status is written: 400 when it is a parse failure. */
async function fixConnectUnary(response: UniversalServerResponse, body: AsyncIterable<Uint8Array>): Promise<UniversalServerResponse> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  const bytes = new Uint8Array(Buffer.concat(chunks));
  const whole = async function* (data: Uint8Array): AsyncGenerator<Uint8Array> {
    yield data;
  };
  let error: { code?: string; message?: string };
  try {
    error = JSON.parse(new TextDecoder().decode(bytes)) as typeof error;
  } catch {
    return { ...response, body: whole(bytes) };
  }
  if (!isParseFailure(error.code, error.message)) return { ...response, body: whole(bytes) };
  response.header?.delete('content-length');
  return { ...response, status: codeToHttpStatus(Code.InvalidArgument), body: whole(new TextEncoder().encode(JSON.stringify({ ...error, code: 'invalid_argument' }))) };
}

/** `body` with each envelope of `flag` rewritten by `fix`; the others pass unchanged. */
async function* rewriteEnvelopes(body: AsyncIterable<Uint8Array>, flag: number, fix: (data: Uint8Array) => Uint8Array): AsyncGenerator<Uint8Array> {
  for await (const envelope of transformSplitEnvelope(anySize)(body)) {
    // A compressed envelope (flag 0x01) is left as it is: errors are too short to be compressed.
    yield envelope.flags === flag ? encodeEnvelope(envelope.flags, fix(envelope.data)) : encodeEnvelope(envelope.flags, envelope.data);
  }
}
