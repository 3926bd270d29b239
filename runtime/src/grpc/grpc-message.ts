/**
 * The `grpc-message` value as the gRPC spec encodes it (PROTOCOL-HTTP2.md, Status-Message): the
 * UTF-8 bytes of the message, with only bytes outside 0x20-0x7E and `%` itself percent-encoded.
 *
 * connect-es writes `encodeURIComponent(message)` instead, which also escapes spaces, `=`, `,`,
 * `:` and the like. Clients that decode as the spec says (grpc-js uses `decodeURI`) then show
 * `batch_size must be >%3D 0`. Both encodings decode to the same text with `decodeURIComponent`,
 * so re-encoding connect-es's value is lossless.
 */
import { encodeEnvelope, envelopeDecompress, transformSplitEnvelope } from '@connectrpc/connect/protocol';
import type { Compression, UniversalServerResponse } from '@connectrpc/connect/protocol';
import { headerEncoding, headerGrpcMessage, trailerFlag, trailerParse, trailerSerialize } from '@connectrpc/connect/protocol-grpc-web';

const plain = /^[\x20-\x24\x26-\x7e]*$/;
const hex = Array.from({ length: 256 }, (_, byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`);

/** Percent-encodes `message` for the `grpc-message` header or trailer, as the gRPC spec says. */
export function encodeGrpcMessage(message: string): string {
  if (plain.test(message)) return message;
  let encoded = '';
  for (const byte of new TextEncoder().encode(message)) {
    encoded += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : hex[byte];
  }
  return encoded;
}

/** Re-encodes a `grpc-message` written with `encodeURIComponent`; a value that does not decode is kept. */
export function reencodeGrpcMessage(value: string): string {
  try {
    return encodeGrpcMessage(decodeURIComponent(value));
  } catch {
    return value;
  }
}

/** Re-encodes `grpc-message` in `fields` (the trailers of a gRPC or gRPC-Web response), in place. */
export function reencodeGrpcMessageIn(fields: Headers): void {
  const value = fields.get(headerGrpcMessage);
  if (value !== null) fields.set(headerGrpcMessage, reencodeGrpcMessage(value));
}

// The server wrote these envelopes itself: no limit to enforce on them.
const anySize = 0xffffffff;

/**
 * `response` (from a connect-es handler) with its `grpc-message` encoded as the spec says: in the
 * trailers of a gRPC response, in the trailer envelope of a gRPC-Web one. Connect responses carry
 * errors as JSON and pass unchanged. `compressions`: those the handler may answer with.
 */
export function withSpecGrpcMessage(response: UniversalServerResponse, compressions: readonly Compression[]): UniversalServerResponse {
  const { body, header, trailer } = response;
  if (body === undefined) return response;
  const contentType = header?.get('content-type') ?? '';
  if (grpcWeb.test(contentType) && header) {
    const compression = compressions.find((c) => c.name === header.get(headerEncoding)) ?? null;
    return { ...response, body: reencodeGrpcWebTrailer(body, compression) };
  }
  if (grpc.test(contentType) && trailer) return { ...response, body: whenDone(body, () => reencodeGrpcMessageIn(trailer)) };
  return response;
}

const grpc = /^application\/grpc(?:\+|;|$)/i;
const grpcWeb = /^application\/grpc-web/i;

/** `body`, calling `done` once it is exhausted: the handler has written its trailers by then. */
export function whenDone(body: AsyncIterable<Uint8Array>, done: () => void): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]() {
      const it = body[Symbol.asyncIterator]();
      return {
        async next() {
          const result = await it.next();
          if (result.done === true) done();
          return result;
        },
        return: (value?: unknown) => it.return?.(value) ?? Promise.resolve({ done: true, value: undefined }),
        throw: (error?: unknown) => it.throw?.(error) ?? Promise.reject(error),
      };
    },
  };
}

/**
 * A gRPC-Web response body with `grpc-message` in its trailer envelope (the last one, flag 0x80)
 * re-encoded. Message envelopes pass unchanged; a compressed trailer goes out uncompressed
 * (the flag is per message), so only `compression` (the response's `grpc-encoding`) is needed.
 */
async function* reencodeGrpcWebTrailer(body: AsyncIterable<Uint8Array>, compression: Compression | null): AsyncGenerator<Uint8Array> {
  for await (const envelope of transformSplitEnvelope(anySize)(body)) {
    if ((envelope.flags & trailerFlag) !== trailerFlag) {
      yield encodeEnvelope(envelope.flags, envelope.data);
      continue;
    }
    const { data } = await envelopeDecompress(envelope, compression, anySize);
    const trailer = trailerParse(data);
    reencodeGrpcMessageIn(trailer);
    yield encodeEnvelope(trailerFlag, trailerSerialize(trailer));
  }
}
