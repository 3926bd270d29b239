/**
 * The short road for the calls service-to-service clients make: gRPC over HTTP/2 with binary
 * protobuf (`application/grpc`, `application/grpc+proto`), unary and server-streaming methods.
 *
 * connect-es's universal handler builds, per call, copies of each header set, three linked abort
 * signals, a pipe of async iterables for splitting, decompressing, parsing, serializing,
 * compressing and joining envelopes, and aborts the call's context after every call (a
 * DOMException each time): 43 % of a GetAllPlatforms call's CPU in the bench profile. Here the same
 * pieces of connect-es run straight on the HTTP/2 stream: the service implementation with its
 * HandlerContext, the router's interceptors (applied as connect applies them), its serialization
 * with the read and write limits, its compression negotiation and envelope (de)compression, its
 * grpc-timeout parsing and its ConnectError → grpc-status trailer mapping.
 *
 * What differs from the universal path, on purpose: the call's signal is aborted only when the call
 * does not end normally (client gone, deadline, shutdown, error); a call whose signal was aborted
 * (its deadline passed, the server shut down) answers that reason instead of OK; a request message
 * that does not decode is INVALID_ARGUMENT at once (caller-faults.ts does the same for the other
 * protocols). gRPC-Web, Connect, JSON, client and bidi streaming, and methods registered with
 * options of their own keep the universal handler (node-handler.ts).
 */
import { constants } from 'node:http2';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { create } from '@bufbuild/protobuf';
import type { DescMessage, DescMethodServerStreaming, DescMethodUnary, Message } from '@bufbuild/protobuf';
import { Code, ConnectError, createContextValues } from '@connectrpc/connect';
import type { HandlerContext, Interceptor, MethodImplSpec, StreamRequest, StreamResponse, UnaryRequest, UnaryResponse } from '@connectrpc/connect';
import { compressionNegotiate, createMethodSerializationLookup, envelopeCompress, envelopeDecompress, validateReadWriteMaxBytes } from '@connectrpc/connect/protocol';
import type { Compression, Serialization } from '@connectrpc/connect/protocol';
import { contentTypeProto, grpcStatusOk, parseTimeout, setTrailerStatus } from '@connectrpc/connect/protocol-grpc';
import type { Logger } from '../logging/index.ts';
import { asCallerFault } from './caller-faults.ts';
import { reencodeGrpcMessageIn } from './grpc-message.ts';
import { closeReason, drained, field, nodeHeaders } from './http2-stream.ts';
import { readRequestEnvelope } from './request-envelope.ts';
import type { SingleRequestKind } from './request-envelope.ts';
import { InFlight } from '../lifecycle/in-flight.ts';

/** The longest delay `setTimeout` holds (2^31 - 1 ms); a longer one fires at once. */
const maxTimerMs = 2 ** 31 - 1;

export interface GrpcFastPathOptions {
  /** The router's interceptors, the first one outermost. */
  readonly interceptors: readonly Interceptor[];
  /** Largest request message, in bytes, before and after decompression. */
  readonly readMaxBytes: number;
  /** Aborts the signal of every call in flight. */
  readonly shutdownSignal: AbortSignal;
  /** Request and response encodings offered, as the universal handler offers them. */
  readonly compressions: readonly Compression[];
  readonly logger: Logger;
}

export interface GrpcFastPath {
  /** Takes `spec` when it is a unary or server-streaming method (others stay with the universal handler). */
  add(spec: MethodImplSpec): void;
  /** Serves the call and returns true when it is a binary gRPC call of a method added here; false leaves it to the universal handler. */
  serve(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, path: string, url: string): boolean;
}

type Impl = (request: unknown, context: HandlerContext) => unknown;
/** What an implementation returns for a message: a message, or its init shape. */
type Output = Record<string, unknown>;

interface FastMethod {
  readonly kind: SingleRequestKind;
  readonly method: DescMethodUnary | DescMethodServerStreaming;
  readonly impl: Impl;
  readonly input: Serialization<Message>;
  readonly output: Serialization<Message>;
}

/** The content types of binary gRPC as clients send them (connect-es's matcher also takes other casings, which stay on the universal path). */
const binaryGrpc = new Set(['application/grpc', 'application/grpc+proto']);

/** Creates the fast path; `serve` is called for every stream, `add` once per method at start-up. */
export function createGrpcFastPath(options: GrpcFastPathOptions): GrpcFastPath {
  const { interceptors, readMaxBytes, shutdownSignal, compressions, logger } = options;
  const limits = validateReadWriteMaxBytes(readMaxBytes, undefined, undefined);
  const offered = [...compressions];
  const methods = new Map<string, FastMethod>();
  // One listener for every call instead of a linked signal per call.
  const inFlight = new InFlight<AbortController>(); // not a Set: lifecycle/in-flight.ts
  shutdownSignal.addEventListener('abort', () => {
    for (const call of inFlight.items()) call.abort(shutdownSignal.reason);
  });

  async function run(target: FastMethod, stream: ServerHttp2Stream, headers: IncomingHttpHeaders, url: string): Promise<void> {
    const controller = new AbortController();
    const { signal } = controller;
    const entry = inFlight.add(controller);
    if (shutdownSignal.aborted) controller.abort(shutdownSignal.reason);
    let ended = false;
    stream.once('close', () => {
      if (!ended) controller.abort(closeReason(stream.rstCode));
    });
    const timeout = parseTimeout(fieldOrNull(headers, 'grpc-timeout'), Number.MAX_SAFE_INTEGER);
    const deadlineAt = timeout.timeoutMs === undefined ? undefined : Date.now() + timeout.timeoutMs;
    // A deadline beyond what a timer holds (about 24.8 days; Node would fire it at once) is no deadline in practice.
    const deadline =
      timeout.timeoutMs === undefined || timeout.error !== undefined || timeout.timeoutMs > maxTimerMs
        ? undefined
        : setTimeout(() => controller.abort(new ConnectError('the operation timed out', Code.DeadlineExceeded)), timeout.timeoutMs);
    const compression = compressionNegotiate(offered, fieldOrNull(headers, 'grpc-encoding'), fieldOrNull(headers, 'grpc-accept-encoding'), 'Grpc-Accept-Encoding');
    const responseHeader = new Headers();
    responseHeader.set('content-type', contentTypeProto);
    if (compression.response !== null) responseHeader.set('grpc-encoding', compression.response.name);
    const responseTrailer = new Headers();
    responseTrailer.set('grpc-status', grpcStatusOk);
    const values = createContextValues();
    const { method } = target;
    const context: HandlerContext = {
      method,
      service: method.parent,
      signal,
      timeoutMs: deadlineAt === undefined ? () => undefined : () => deadlineAt - Date.now(),
      requestMethod: 'POST',
      requestHeader: requestHeaders(headers),
      responseHeader,
      responseTrailer,
      protocolName: 'grpc',
      values,
      url,
    };
    // connect-es raises these when the request is first read, so an interceptor of a streaming call sees them.
    const readInput = async (): Promise<unknown> => {
      if (compression.error) throw compression.error;
      if (timeout.error) throw timeout.error;
      const envelope = await envelopeDecompress(await readRequestEnvelope(stream, readMaxBytes, target.kind), compression.request, readMaxBytes);
      try {
        return target.input.parse(envelope.data);
      } catch (error) {
        throw asCallerFault(ConnectError.from(error));
      }
    };
    const request = { method, requestMethod: 'POST', url, signal, header: context.requestHeader, service: method.parent, contextValues: values };
    const out = responseWriter(stream, responseHeader, responseTrailer, compression.response, limits.compressMinBytes);
    try {
      if (target.kind === 'unary') {
        const input = await readInput();
        const next = chain(interceptors, unaryInvoker(target, context)) as (req: UnaryRequest) => Promise<UnaryResponse>;
        const response = await next({ ...request, stream: false, message: input } as UnaryRequest);
        copyHeaders(response.header, responseHeader);
        copyHeaders(response.trailer, responseTrailer);
        // A call the implementation completed is answered as completed, as connect's handler does,
        // even when its deadline or the shutdown came meanwhile: a write that committed never reads as failed.
        await out.last(target.output.serialize(response.message));
      } else {
        const next = chain(interceptors, streamInvoker(target, context)) as (req: StreamRequest) => Promise<StreamResponse>;
        const response = await next({ ...request, stream: true, message: lazyOne(readInput) } as StreamRequest);
        copyHeaders(response.header, responseHeader);
        for await (const message of response.message) {
          if (signal.aborted) throw signal.reason;
          await out.message(target.output.serialize(message));
        }
        copyHeaders(response.trailer, responseTrailer);
        if (signal.aborted) throw signal.reason;
        out.end();
      }
    } catch (reason) {
      const error = reason instanceof ConnectError ? reason : new ConnectError('internal error', Code.Internal, undefined, undefined, reason);
      controller.abort(error);
      setTrailerStatus(responseTrailer, error);
      reencodeGrpcMessageIn(responseTrailer);
      out.end();
    } finally {
      ended = true;
      clearTimeout(deadline);
      inFlight.delete(entry);
    }
  }

  return {
    add(spec) {
      if (spec.kind !== 'unary' && spec.kind !== 'server_streaming') return;
      const serialization = createMethodSerializationLookup(spec.method, undefined, undefined, limits);
      methods.set(`/${spec.method.parent.typeName}/${spec.method.name}`, {
        kind: spec.kind === 'unary' ? 'unary' : 'server-streaming',
        method: spec.method,
        impl: spec.impl as Impl,
        input: serialization.getI(true),
        output: serialization.getO(true),
      });
    },
    serve(stream, headers, path, url) {
      const target = methods.get(path);
      if (target === undefined || headers[':method'] !== 'POST' || !binaryGrpc.has(field(headers, 'content-type'))) return false;
      // A stream error (a reset, the connection lost) also closes it; the close aborts the call.
      stream.on('error', () => undefined);
      run(target, stream, headers, url).catch((reason: unknown) => {
        if (!stream.destroyed) stream.close(constants.NGHTTP2_INTERNAL_ERROR);
        logger.warn({ err: reason, rpc: `${target.method.parent.typeName}/${target.method.name}` }, 'gRPC call could not be answered');
      });
      return true;
    },
  };
}

/** A request header as connect-es reads it (null when absent). */
function fieldOrNull(headers: IncomingHttpHeaders, name: string): string | null {
  const value = field(headers, name);
  return value === '' && headers[name] === undefined ? null : value;
}

/** The request headers as the handler context carries them: without HTTP/2 pseudo-headers. */
function requestHeaders(headers: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const name in headers) {
    if (name.charCodeAt(0) === 58 /* ':' */) continue;
    const value = headers[name];
    if (typeof value === 'string') out.append(name, value);
    else if (Array.isArray(value)) for (const item of value) out.append(name, item);
  }
  return out;
}

/** What connect's `applyInterceptors` does: the first interceptor ends up outermost. */
function chain<F>(interceptors: readonly Interceptor[], last: F): F {
  let next = last as Parameters<Interceptor>[0];
  for (let i = interceptors.length - 1; i >= 0; i--) next = interceptors[i]!(next);
  return next as F;
}

/** The context the implementation sees: what interceptors changed in the request wins (connect's mergeRequest). */
function implContext(context: HandlerContext, req: UnaryRequest | StreamRequest): HandlerContext {
  return { ...context, service: req.service, requestHeader: req.header, signal: req.signal, values: req.contextValues };
}

function unaryInvoker(target: FastMethod, context: HandlerContext) {
  return async (req: UnaryRequest): Promise<UnaryResponse> => ({
    stream: false,
    message: create(target.method.output, (await target.impl(req.message, implContext(context, req))) as Output),
    method: target.method as DescMethodUnary,
    service: target.method.parent,
    header: context.responseHeader,
    trailer: context.responseTrailer,
  });
}

function streamInvoker(target: FastMethod, context: HandlerContext) {
  return async (req: StreamRequest): Promise<StreamResponse> => ({
    stream: true,
    message: messagesOf(target.method.output, target.impl(await first(req.message), implContext(context, req)) as AsyncIterable<Output>),
    method: target.method as DescMethodServerStreaming,
    service: target.method.parent,
    header: context.responseHeader,
    trailer: context.responseTrailer,
  });
}

/** The implementation's outputs as full messages (connect's normalizeIterable). */
async function* messagesOf(schema: DescMessage, outputs: AsyncIterable<Output>): AsyncGenerator<Message> {
  for await (const output of outputs) yield create(schema, output);
}

/** The one request message, read when the implementation first asks for it. */
async function* lazyOne(read: () => Promise<unknown>): AsyncGenerator<unknown> {
  yield await read();
}

async function first<T>(messages: AsyncIterable<T>): Promise<T> {
  for await (const message of messages) return message;
  throw new ConnectError('protocol error: missing input message for server-streaming method', Code.Unimplemented);
}

/** connect's copyHeaders: `to` becomes `from` (nothing to do when an interceptor kept the same object). */
function copyHeaders(from: Headers, to: Headers): void {
  if (from === to) return;
  const stale: string[] = [];
  to.forEach((_, key) => stale.push(key));
  for (const key of stale) to.delete(key);
  from.forEach((value, key) => to.set(key, value));
}

interface ResponseWriter {
  /** Writes one response message; resolves when the stream can take the next. */
  message(data: Uint8Array): Promise<void>;
  /** Writes the only response message and ends the response. */
  last(data: Uint8Array): Promise<void>;
  /** Ends the response: the headers when none went yet, then the trailers as they are by then. */
  end(): void;
}

/**
 * The response of one call: headers with the first message (so the implementation can still set
 * them), each message in one write of its envelope, trailers when the stream ends.
 */
function responseWriter(stream: ServerHttp2Stream, header: Headers, trailer: Headers, compression: Compression | null, compressMinBytes: number): ResponseWriter {
  let responded = false;
  const respond = (): void => {
    if (stream.destroyed) throw new ConnectError('the stream closed before the answer', Code.Aborted);
    if (responded) return;
    responded = true;
    stream.respond(nodeHeaders(header, 200), { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers(nodeHeaders(trailer)));
  };
  // The 5-byte envelope header and the message go out as one corked write of both: no copy of
  // the message into a new envelope buffer (encodeEnvelope's way).
  const send = async (data: Uint8Array, last: boolean): Promise<boolean> => {
    const { flags, data: sent } = compression === null ? { flags: 0, data } : await envelopeCompress({ flags: 0, data }, compression, compressMinBytes);
    respond();
    const prefix = Buffer.allocUnsafe(5);
    prefix[0] = flags;
    prefix.writeUInt32BE(sent.byteLength, 1);
    stream.cork();
    stream.write(prefix);
    if (last) {
      // end() uncorks.
      stream.end(sent);
      return true;
    }
    const more = stream.write(sent);
    stream.uncork();
    return more;
  };
  return {
    async message(data) {
      if (!(await send(data, false))) await drained(stream);
    },
    async last(data) {
      await send(data, true);
    },
    end() {
      if (stream.destroyed || stream.writableEnded) return;
      respond();
      stream.end();
    },
  };
}
