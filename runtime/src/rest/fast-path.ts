/**
 * The REST fast path (production): each contract operation served on the HTTP server's `request`
 * event, before Express, as one compiled function per operation, doing what the Express pipeline
 * does for it, step by step and in its order: telemetry (histogram, server span), the request id,
 * the security guard, integer path parameters, the JSON body (read, UTF-8, parsed as body-parser
 * parses it), well-formed text, compiled request validation, the handler, the answer (JSON in one
 * `end`, problems as problem+json), the access line. The verdicts are the pipeline's own functions
 * (securityCheck, integerParameterErrors, textErrors, compileRequestValidators, toProblem), and so
 * are the writers of its answers (send-result.ts sendResult, problem.ts writeProblem); only
 * Express's per-request machinery is left out (its request and response prototypes, router,
 * `res.locals`, `res.send`), which cost a request for an id about two thirds of its CPU.
 *
 * A request it is not sure to answer exactly as the pipeline would is declined before anything of
 * it is read or written, and Express serves it: HEAD and OPTIONS, conditional requests, a path or
 * method the contract lacks, a parameter that does not percent-decode, a target Express parses
 * another way, a body where the contract declares none or none where it declares one, a body
 * that is chunked, content-coded, over the limit or not plainly `application/json` (UTF-8), an
 * operation answering a media type with parameters. fast-path.test.ts sends the same
 * requests to a server with and without it and requires the same answers and access lines.
 */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { SpanKind, SpanStatusCode, context } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { headerNames, traceparentFrom } from '../http/index.ts';
import { accessLineWriter, requestIdFrom } from '../logging/index.ts';
import type { AccessLevel, AccessLine } from '../logging/index.ts';
import { startSpan, traceIdOf } from '../observability/index.ts';
import type { ActiveSpan, PartTelemetry } from '../observability/index.ts';
import { handlerContext } from './bind-routes.ts';
import type { AnyHandler } from './bind-routes.ts';
import type { RequestValidator } from './compiled-validation.ts';
import { exchangeObserver } from './exchange-observer.ts';
import { recordExchange } from './exchange-recording.ts';
import { bodyErrorTypes } from './json-body.ts';
import { textErrors } from './json-text.ts';
import type { Operation, OperationTable, PathMatch } from './operations.ts';
import { integerParameterErrors } from './path-parameters.ts';
import { problem, writeProblem } from './problem.ts';
import { lazyRequestState, requestPath } from './request-state.ts';
import type { RequestState } from './request-state.ts';
import type { SecurityCheck } from './security-guard.ts';
import { sendResult } from './send-result.ts';
import type { RestRequest, RestRoute } from './surface.ts';
import { toProblem } from './to-problem.ts';

export interface FastPathOptions {
  readonly operations: OperationTable;
  /** The contract's path in the repository, for the exchanges reported to an installed observer (tests). */
  readonly contract: string;
  /** Each operation's handler. */
  readonly handlers: ReadonlyMap<Operation, AnyHandler>;
  /** The security check of each secured operation (none when authentication is off). */
  readonly checks: ReadonlyMap<Operation, SecurityCheck>;
  readonly validate: RequestValidator;
  /** The server's root logger (each request's is its child, made on first use). */
  readonly logger: Logger;
  readonly telemetry: PartTelemetry;
  /** Largest JSON body, in bytes; a larger one is Express's (its 413). */
  readonly bodyLimit: number;
}

/** Serves a request and answers true, or declines it (nothing read, nothing written) and answers false. */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean;

/** One operation as the fast path runs it, compiled once. */
interface Plan {
  readonly operation: Operation;
  readonly route: RestRoute<PropertyKey>;
  readonly operationId: string;
  readonly handler: AnyHandler;
  readonly check: SecurityCheck | undefined;
  readonly integers: readonly string[];
}

/** Node's method names (upper case) to the contract's; the fast path serves no other method. */
const contractMethods: Readonly<Record<string, string>> = { GET: 'get', POST: 'post', PUT: 'put', PATCH: 'patch', DELETE: 'delete' };

/**
 * A request target Express reads as this module does: origin form, and none of the characters
 * that make `parseurl` fall back to Node's legacy URL parser.
 */
const plainTarget = /^\/[^\t\n\f\r #\u00a0\ufeff]*$/;

/** The Content-Type values body-parser reads as UTF-8 JSON and the pipeline lets through, written plainly. */
const plainJson = /^application\/json(?:; ?charset=(?:utf-8|"utf-8"))?$/i;

/** An error of reading or parsing the body, as body-parser raises it (to-problem.ts maps its `type`). */
function bodyError(type: string, message: string): Error {
  return Object.assign(new Error(message), { status: 400, expose: true, type });
}

/** Whether the first character after JSON whitespace (space, tab, line feed, carriage return) is `{` or `[`. */
function startsAsObjectOrArray(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 0x7b || code === 0x5b) return true;
    if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return false;
  }
  return false;
}

/**
 * The body as body-parser's JSON parser (strict) reads it: UTF-8 with a leading BOM dropped (its
 * decoder's), an empty text is `{}`, anything that does not start with `{` or `[` is refused.
 */
function parseJsonBody(bytes: Buffer): unknown {
  if (!isUtf8(bytes)) throw bodyError(bodyErrorTypes.notUtf8, 'the request body is not UTF-8');
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length === 0) return {};
  if (!startsAsObjectOrArray(text)) throw bodyError('entity.parse.failed', 'the request body is not a JSON object or array');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw bodyError('entity.parse.failed', 'the request body is not valid JSON');
  }
}

/**
 * Reads the body's `length` bytes (its Content-Length) and gives them to `read`; a body that stops
 * short is `failed` as body-parser fails it: at once when the request is aborted (its `aborted`
 * event, before the response's `close`, so the access line and metrics see the 400 the pipeline
 * answers). Listeners are inline functions, left on the request (a second outcome is ignored): a
 * named closure per request costs esbuild's keepNames a `defineProperty` in production bundles.
 */
function readBody(req: IncomingMessage, length: number, read: (bytes: Buffer) => void, failed: (error: Error) => void): void {
  const chunks: Buffer[] = [];
  let received = 0;
  let settled = false;
  req.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    received += chunk.length;
  });
  req.once('end', () => {
    if (settled) return;
    settled = true;
    if (received !== length) failed(bodyError('request.size.invalid', 'the request body does not have its Content-Length'));
    else read(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received));
  });
  req.once('aborted', () => {
    if (settled) return;
    settled = true;
    failed(bodyError('request.aborted', 'the client went away before sending the whole body'));
  });
  req.once('error', () => {
    if (settled) return;
    settled = true;
    failed(bodyError('request.aborted', 'the client went away before sending the whole body'));
  });
}

/** Compiles the fast path of a surface's operations. */
export function createFastPath(options: FastPathOptions): FastPath {
  const { operations, logger, telemetry, bodyLimit, validate, contract } = options;
  const { metrics, tracing } = telemetry;
  const writeAccessLine = accessLineWriter(logger);
  const plans = new Map<Operation, Plan>();
  for (const operation of operations.operations) {
    const route = operation.route;
    const handler = options.handlers.get(operation);
    // An answer with media type parameters goes through Express's content-type formatting.
    const plainAnswers = Object.values(route.responses).every((mediaType) => mediaType === null || !mediaType.includes(';'));
    if (handler === undefined || !plainAnswers || contractMethods[route.method.toUpperCase()] !== route.method) continue;
    const check = options.checks.get(operation);
    plans.set(operation, { operation, route, operationId: String(route.operationId), handler, check, integers: operation.integerParameters.map((parameter) => parameter.name) });
  }

  /** The body's length when the fast path can take the request's body (or its lack of one); undefined to decline. */
  function bodyLength(req: IncomingMessage, plan: Plan): number | undefined {
    const headers = req.headers;
    const declared = headers['content-length'];
    const chunked = headers['transfer-encoding'] !== undefined;
    const length = declared === undefined ? 0 : Number(declared);
    if (!plan.operation.takesBody) return chunked || length > 0 ? undefined : 0;
    if (chunked || !(length > 0 && length <= bodyLimit) || headers['content-encoding'] !== undefined) return undefined;
    const contentType = headers['content-type'];
    return contentType !== undefined && plainJson.test(contentType) ? length : undefined;
  }

  /** The response is over: metrics, the span, one access line (info; error for a 5xx; warn when the client left). */
  function finished(req: IncomingMessage, res: ServerResponse, plan: Plan, state: RequestState, instance: string, started: number, span: ActiveSpan | undefined): void {
    const method = req.method ?? '';
    const status = res.statusCode;
    const elapsed = performance.now() - started;
    metrics?.httpRequest(plan.operationId, method, status, elapsed / 1000);
    if (span !== undefined) {
      span.span.updateName(`${method} ${plan.operationId}`);
      span.span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.span.setStatus({ code: SpanStatusCode.ERROR });
      span.span.end();
    }
    const unbound = state.unbound;
    const line = { ...(unbound?.fields as Record<string, string> | undefined), method, path: instance, status, durationMs: Math.round(elapsed * 1000) / 1000 } as AccessLine;
    let level: AccessLevel = 'info';
    let message = 'request completed';
    if (!res.writableFinished) {
      line.aborted = true;
      level = 'warn';
      message = 'request aborted by the client';
    } else if (status >= 500) {
      level = 'error';
      message = 'request failed';
    }
    if (unbound !== undefined) writeAccessLine(level, line, message);
    else state.log[level](line, message);
  }

  /** What the pipeline's error handler does with an error: its problem, logged when it is the server's fault. */
  function fail(req: IncomingMessage, res: ServerResponse, state: RequestState, instance: string, error: unknown): void {
    const mapped = toProblem(error, { method: req.method ?? '', contentType: req.headers['content-type'] });
    if (mapped.unexpected) state.log.error({ err: error }, 'cannot serve request: unexpected error');
    if (res.headersSent) {
      // Too late for a problem: cut the connection so the client sees a failure, not a truncated success.
      res.destroy();
      return;
    }
    for (const name in mapped.headers) res.setHeader(name, mapped.headers[name] as string);
    writeProblem(res, mapped.problem, instance, state.requestId);
  }

  /** The steps after the request id, in the pipeline's order; each refusal answers its problem. */
  async function run(req: IncomingMessage, res: ServerResponse, plan: Plan, path: PathMatch, pathText: string, queryText: string, length: number, state: RequestState, instance: string): Promise<void> {
    if (plan.check !== undefined) {
      const refusal = await plan.check(req.headers.authorization, state);
      if (refusal !== undefined) {
        if (refusal.challenge !== undefined) res.setHeader('www-authenticate', refusal.challenge);
        return writeProblem(res, refusal.problem, instance, state.requestId);
      }
    }
    const integerErrors = integerParameterErrors(plan.operation, path.parameters);
    if (integerErrors.length > 0) return writeProblem(res, problem(400, 'The request does not match the contract.', { errors: integerErrors }), instance, state.requestId);
    if (length === 0) return afterBody(req, res, plan, path, pathText, queryText, undefined, state, instance);
    // The body's events come from the socket, outside the request's span: what follows runs in it again.
    readBody(
      req,
      length,
      context.bind(context.active(), (bytes: Buffer) => afterBody(req, res, plan, path, pathText, queryText, bytes, state, instance).then(undefined, (error: unknown) => fail(req, res, state, instance, error))),
      (error) => fail(req, res, state, instance, error),
    );
  }

  /** The steps from the body on: parsed, its text checked, the request validated, the handler called and answered. */
  async function afterBody(req: IncomingMessage, res: ServerResponse, plan: Plan, path: PathMatch, pathText: string, queryText: string, bytes: Buffer | undefined, state: RequestState, instance: string): Promise<void> {
    const headers = req.headers;
    let body: unknown;
    if (bytes !== undefined) {
      body = parseJsonBody(bytes);
      const errors = textErrors(body);
      if (errors.length > 0) return writeProblem(res, problem(400, 'The request body contains text the platform does not store.', { errors }), instance, state.requestId);
    }
    const parameters = path.parameters;
    const query = parseQuery(queryText);
    const invalid = validate(plan.route, { path: pathText, headers, query, params: parameters, body });
    if (invalid !== undefined) throw invalid;
    const params: Record<string, unknown> = { ...parameters };
    for (const name of plan.integers) params[name] = Number(params[name]);
    const request: RestRequest = { params, query, headers, body };
    const result = await plan.handler(request, handlerContext(state, res));
    sendResult(res, plan.route, result, instance, state.requestId, undefined);
  }

  /** Serves a request the fast path took: telemetry and request id first, then the steps; errors as the error handler answers them. */
  function serve(req: IncomingMessage, res: ServerResponse, plan: Plan, path: PathMatch, pathText: string, queryText: string, length: number): void {
    const started = performance.now();
    const headers = req.headers;
    const url = req.url ?? '/';
    let span: ActiveSpan | undefined;
    if (tracing !== undefined) {
      span = startSpan(tracing.tracer, req.method ?? '', SpanKind.SERVER, traceparentFrom(headers), { 'http.request.method': req.method, 'url.path': pathText });
      headers[headerNames.traceparent] = span.traceparent;
      req.headersDistinct[headerNames.traceparent] = [span.traceparent];
    }
    const requestId = requestIdFrom(headers);
    res.setHeader(headerNames.requestId, requestId);
    const state = lazyRequestState(logger, requestId);
    const observer = exchangeObserver();
    if (observer !== undefined) recordExchange(observer, req, res, contract, 'service');
    const traceparent = headers[headerNames.traceparent];
    const traceId = typeof traceparent === 'string' ? traceIdOf(traceparent) : undefined;
    if (traceId !== undefined) state.bind({ traceId });
    const instance = requestPath({ originalUrl: url });
    // A response closes once: no once-wrapper needed.
    res.on('close', () => finished(req, res, plan, state, instance, started, span));
    if (span === undefined) run(req, res, plan, path, pathText, queryText, length, state, instance).then(undefined, (error: unknown) => fail(req, res, state, instance, error));
    else context.with(span.context, () => run(req, res, plan, path, pathText, queryText, length, state, instance).then(undefined, (error: unknown) => fail(req, res, state, instance, error)));
  }

  return (req, res) => {
    const url = req.url;
    if (url === undefined || !plainTarget.test(url)) return false;
    const method = contractMethods[req.method ?? ''];
    if (method === undefined) return false;
    const query = url.indexOf('?');
    const pathText = query === -1 ? url : url.slice(0, query);
    const path = operations.match(pathText);
    if (path === undefined || path.undecodable !== undefined) return false;
    const operation = path.operations.get(method);
    const plan = operation === undefined ? undefined : plans.get(operation);
    if (plan === undefined) return false;
    const headers = req.headers;
    if (headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined) return false;
    const length = bodyLength(req, plan);
    if (length === undefined) return false;
    serve(req, res, plan, path, pathText, query === -1 ? '' : url.slice(query + 1), length);
    return true;
  };
}
