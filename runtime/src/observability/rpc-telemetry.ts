import { SpanKind, SpanStatusCode, context } from '@opentelemetry/api';
import { Code, ConnectError } from '@connectrpc/connect';
import type { Interceptor, StreamResponse, UnaryResponse } from '@connectrpc/connect';
import { headerNames } from '../http/headers.ts';
import { traceparentFrom } from '../http/trace-context.ts';
import type { Logger } from '../logging/create-logger.ts';
import { requestIdFrom } from '../logging/request-id.ts';
import { runWithLogFields } from './log-context.ts';
import type { PartTelemetry } from './telemetry.ts';
import { traceIdOf } from './trace-context.ts';
import { startSpan } from './tracing.ts';
import type { ActiveSpan } from './tracing.ts';

/** Services polled by probes and tools: their calls are logged at debug, like /healthz. */
const quietServices = new Set(['grpc.health.v1.Health', 'grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection']);

/** `NotFound` → `not_found`, as gRPC names its codes in lower case. */
const codeNames = new Map<Code | 0, string>(
  Object.entries(Code)
    .filter((entry): entry is [string, Code] => typeof entry[1] === 'number')
    .map(([name, code]) => [code, name.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()]),
);
codeNames.set(0, 'ok');

/** The protocol of a call, from its content type. */
function protocolOf(contentType: string | null): string {
  if (contentType?.startsWith('application/grpc-web')) return 'grpc-web';
  if (contentType?.startsWith('application/grpc')) return 'grpc';
  return 'connect';
}

/**
 * What REST requests get, for RPCs: the caller's sane `x-request-id` or a new one (echoed in the
 * response headers or the error's metadata), one access-log line per call with its code and
 * duration, the `rpc_server_duration_seconds` histogram and, with tracing on, a server span. Lines
 * the handler logs while the call runs carry its request id and trace id (log-context.ts).
 */
export function rpcTelemetry(telemetry: PartTelemetry, logger: Logger): Interceptor {
  const { metrics, tracing } = telemetry;
  return (next) => async (req) => {
    const started = performance.now();
    const service = req.service.typeName;
    const method = req.method.name;
    const requestId = requestIdFrom(req.header);
    const incoming = traceparentFrom({ traceparent: req.header.get(headerNames.traceparent) ?? undefined });
    let active: ActiveSpan | undefined;
    if (tracing !== undefined) {
      active = startSpan(tracing.tracer, `${service}/${method}`, SpanKind.SERVER, incoming, { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method });
    }
    const traceId = active?.span.spanContext().traceId ?? traceIdOf(incoming);
    const fields: Record<string, string> = traceId === undefined ? { requestId } : { requestId, traceId };
    let done = false;
    const finish = (error: unknown): void => {
      if (done) return;
      done = true;
      const code: Code | 0 = error === undefined ? 0 : ConnectError.from(error).code;
      const codeName = codeNames.get(code) ?? String(code);
      const seconds = (performance.now() - started) / 1000;
      metrics?.rpc(service, method, codeName, seconds);
      const line = { ...fields, rpc: `${service}/${method}`, protocol: protocolOf(req.header.get('content-type')), code: codeName, durationMs: Math.round(seconds * 1e6) / 1000 };
      if (quietServices.has(service)) logger.debug(line, 'rpc completed');
      else if (code === Code.Internal || code === Code.Unknown || code === Code.DataLoss) logger.error({ ...line, err: error }, 'rpc failed');
      else logger.info(line, 'rpc completed');
      if (active !== undefined) {
        active.span.setAttribute('rpc.grpc.status_code', code);
        if (error !== undefined) active.span.setStatus({ code: SpanStatusCode.ERROR, message: codeName });
        active.span.end();
      }
    };
    const call = () => runWithLogFields(fields, () => next(req));
    try {
      const res = await (active === undefined ? call() : context.with(active.context, call));
      res.header.set(headerNames.requestId, requestId);
      return finishedWith(res, finish, 'the client cancelled the stream');
    } catch (error) {
      if (error instanceof ConnectError) error.metadata.set(headerNames.requestId, requestId);
      finish(error);
      throw error;
    }
  };
}

/**
 * `res` with `finish` called once the call is over: at once for a unary answer; for a streamed one
 * when its last message was read (`undefined`), when it failed (its error), or when the reader
 * stopped early (Canceled with `cancelled`).
 */
function finishedWith<R extends UnaryResponse | StreamResponse>(res: R, finish: (error: unknown) => void, cancelled: string): R {
  if (!res.stream) {
    finish(undefined);
    return res;
  }
  const messages = res.message;
  return {
    ...res,
    message: (async function* () {
      try {
        yield* messages;
        finish(undefined);
      } catch (error) {
        finish(error);
        throw error;
      } finally {
        finish(new ConnectError(cancelled, Code.Canceled));
      }
    })(),
  };
}

/**
 * The client side of `rpcTelemetry`, for the runtime's gRPC clients: with tracing on, each call is
 * a client span (child of the active span, or a root) and sends its `traceparent`, so the server's
 * span joins the caller's trace; a streamed answer ends the span when the stream ends. With tracing
 * off it changes nothing.
 */
export function rpcClientTelemetry(telemetry: PartTelemetry): Interceptor {
  const { tracing } = telemetry;
  if (tracing === undefined) return (next) => next;
  return (next) => async (req) => {
    const service = req.service.typeName;
    const method = req.method.name;
    const active = startSpan(tracing.tracer, `${service}/${method}`, SpanKind.CLIENT, undefined, { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method });
    req.header.set(headerNames.traceparent, active.traceparent);
    let done = false;
    const finish = (error: unknown): void => {
      if (done) return;
      done = true;
      const code: Code | 0 = error === undefined ? 0 : ConnectError.from(error).code;
      active.span.setAttribute('rpc.grpc.status_code', code);
      if (error !== undefined) active.span.setStatus({ code: SpanStatusCode.ERROR, message: codeNames.get(code) ?? String(code) });
      active.span.end();
    };
    try {
      const res = await context.with(active.context, () => next(req));
      return finishedWith(res, finish, 'the caller stopped reading the stream');
    } catch (error) {
      finish(error);
      throw error;
    }
  };
}
