/**
 * The request of a unary or server-streaming gRPC call, read from the HTTP/2 stream as one
 * enveloped message (flags byte, 4-byte big-endian length, message), with connect-es's rules and
 * error texts (its split-envelope and ensure-single steps): a message announced past `readMaxBytes`
 * is RESOURCE_EXHAUSTED and the body is read no further; a body that ends inside an envelope is
 * INVALID_ARGUMENT; no message, or a second one, is UNIMPLEMENTED. Memory stays bounded by one
 * message whatever the client sends.
 */
import type { ServerHttp2Stream } from 'node:http2';
import { Code, ConnectError } from '@connectrpc/connect';
import type { EnvelopedMessage } from '@connectrpc/connect/protocol';

const headerBytes = 5;

/** How connect-es names a method kind in its protocol errors. */
export type SingleRequestKind = 'unary' | 'server-streaming';

/** Reads the one enveloped message of `stream`'s body; rejects with a ConnectError. */
export function readRequestEnvelope(stream: ServerHttp2Stream, readMaxBytes: number, kind: SingleRequestKind): Promise<EnvelopedMessage> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    // Bytes of the whole first envelope, once its header has arrived.
    let expected = -1;
    const stop = (): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onClose);
    };
    // The stream stays open: the answer still goes out on it, and leaving the rest unread lets
    // HTTP/2 flow control hold the client back.
    const refuse = (error: ConnectError): void => {
      stop();
      stream.pause();
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      received += chunk.byteLength;
      if (expected === -1 && received >= headerBytes) {
        const length = (chunks.length === 1 ? chunk : Buffer.concat(chunks, received)).readUInt32BE(1);
        if (length > readMaxBytes) return refuse(new ConnectError(`message size ${length} is larger than configured readMaxBytes ${readMaxBytes}`, Code.ResourceExhausted));
        expected = headerBytes + length;
      }
      if (expected !== -1 && received > expected) refuse(new ConnectError(`protocol error: received extra input message for ${kind} method`, Code.Unimplemented));
    };
    const onEnd = (): void => {
      stop();
      if (received === 0) return reject(new ConnectError(`protocol error: missing input message for ${kind} method`, Code.Unimplemented));
      if (received !== expected) return reject(new ConnectError('protocol error: incomplete envelope', Code.InvalidArgument));
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
      resolve({ flags: body[0]!, data: body.subarray(headerBytes) });
    };
    const onClose = (): void => {
      stop();
      reject(new ConnectError('the stream closed before the request was read', Code.Canceled));
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('close', onClose);
  });
}
