/**
 * Test fixture of fast-path.test.ts: a contract owned by the runtime's tests ("widgets") with the
 * shapes a REST front before Express must get right (an open list with query parameters, open
 * reads with an integer id and an ETag, secured create / replace / delete with a JSON body and an
 * If-Match header, a second integer parameter whose range allows negatives, a string path
 * parameter), handlers that echo what they were given (so a difference in what reaches a handler
 * shows in the answer), and a client that sends raw bytes over a socket and parses what comes back.
 */
import { connect } from 'node:net';
import { trace } from '@opentelemetry/api';
import { AppError, errorCodes } from '../errors/index.ts';
import { problem } from './problem.ts';
import type { HandlerContext, OpenApiDocument, RestRequest, RestResult, RestRoute, RestSurface } from './surface.ts';

const problemResponse = { $ref: '#/components/responses/Problem' };
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const echoed = { type: 'object' };
const writeErrors = { 400: problemResponse, 401: { $ref: '#/components/responses/Challenge' }, 403: { $ref: '#/components/responses/Challenge' }, 413: problemResponse, 415: problemResponse, 500: problemResponse, 503: problemResponse };
const widgetBody = { required: true, ...json({ $ref: '#/components/schemas/WidgetCreate' }) };
const ifMatch = { name: 'If-Match', in: 'header', required: false, schema: { type: 'string', minLength: 1, maxLength: 1024 } };

export const widgetsSpec: OpenApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Widgets (runtime test fixture of the REST fast path)', version: '1.0.0' },
  security: [{ bearerAuth: ['widgets:write'] }],
  paths: {
    '/api/widgets': {
      get: {
        operationId: 'listWidgets',
        security: [],
        parameters: [
          { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100 } },
          { name: 'name', in: 'query', required: false, schema: { type: 'string', maxLength: 50 } },
          { name: 'sort', in: 'query', required: false, schema: { type: 'string', enum: ['name', 'price'] } },
        ],
        responses: { 200: { description: 'echo', ...json({ type: 'array' }) }, 400: problemResponse, 500: problemResponse },
      },
      post: { operationId: 'createWidget', requestBody: widgetBody, responses: { 201: { description: 'echo', ...json(echoed) }, ...writeErrors } },
    },
    '/api/widgets/{id}': {
      parameters: [{ $ref: '#/components/parameters/WidgetId' }],
      get: {
        operationId: 'getWidget',
        security: [],
        responses: { 200: { description: 'echo', ...json(echoed) }, 400: problemResponse, 404: problemResponse, 500: problemResponse, 503: problemResponse },
      },
      put: { operationId: 'updateWidget', parameters: [ifMatch], requestBody: widgetBody, responses: { 200: { description: 'echo', ...json(echoed) }, 404: problemResponse, 412: problemResponse, ...writeErrors } },
      delete: { operationId: 'deleteWidget', parameters: [ifMatch], responses: { 204: { description: 'deleted' }, 404: problemResponse, 412: problemResponse, ...writeErrors } },
    },
    '/api/widgets/{id}/parts/{index}': {
      parameters: [{ $ref: '#/components/parameters/WidgetId' }, { name: 'index', in: 'path', required: true, schema: { type: 'integer', minimum: -5, maximum: 9 } }],
      get: { operationId: 'getPart', security: [], responses: { 200: { description: 'echo', ...json(echoed) }, 400: problemResponse, 500: problemResponse } },
    },
    '/api/labels/{label}': {
      parameters: [{ name: 'label', in: 'path', required: true, schema: { type: 'string', minLength: 1, maxLength: 20 } }],
      get: { operationId: 'getLabel', security: [], responses: { 200: { description: 'echo', ...json(echoed) }, 400: problemResponse, 500: problemResponse } },
    },
  },
  components: {
    parameters: { WidgetId: { name: 'id', in: 'path', required: true, schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 2147483647 } } },
    schemas: {
      WidgetCreate: {
        type: 'object',
        required: ['name', 'price'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' },
          price: { type: 'integer', minimum: 0, maximum: 1000000 },
          tags: { type: 'array', maxItems: 5, items: { type: 'string', maxLength: 20 } },
          note: { type: 'string', maxLength: 70000 },
        },
      },
    },
    securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    responses: {
      Problem: { description: 'problem', content: { 'application/problem+json': { schema: { type: 'object' } } } },
      Challenge: { description: 'challenge', headers: { 'WWW-Authenticate': { required: true, schema: { type: 'string' } } }, content: { 'application/problem+json': { schema: { type: 'object' } } } },
    },
  },
};

export type WidgetOperation = 'listWidgets' | 'createWidget' | 'getWidget' | 'updateWidget' | 'deleteWidget' | 'getPart' | 'getLabel';

const jsonType = 'application/json';
const problemType = 'application/problem+json';
const written = { 400: problemType, 401: problemType, 403: problemType, 413: problemType, 415: problemType, 500: problemType, 503: problemType };
const secured = [{ bearerAuth: ['widgets:write'] }];
const routes: readonly RestRoute<WidgetOperation>[] = [
  { operationId: 'listWidgets', method: 'get', path: '/api/widgets', expressPath: '/api/widgets', responses: { 200: jsonType, 400: problemType, 500: problemType }, security: [] },
  { operationId: 'createWidget', method: 'post', path: '/api/widgets', expressPath: '/api/widgets', responses: { 201: jsonType, ...written }, security: secured },
  { operationId: 'getWidget', method: 'get', path: '/api/widgets/{id}', expressPath: '/api/widgets/:id', responses: { 200: jsonType, 400: problemType, 404: problemType, 500: problemType, 503: problemType }, security: [] },
  { operationId: 'updateWidget', method: 'put', path: '/api/widgets/{id}', expressPath: '/api/widgets/:id', responses: { 200: jsonType, 404: problemType, 412: problemType, ...written }, security: secured },
  { operationId: 'deleteWidget', method: 'delete', path: '/api/widgets/{id}', expressPath: '/api/widgets/:id', responses: { 204: null, 404: problemType, 412: problemType, ...written }, security: secured },
  { operationId: 'getPart', method: 'get', path: '/api/widgets/{id}/parts/{index}', expressPath: '/api/widgets/:id/parts/:index', responses: { 200: jsonType, 400: problemType, 500: problemType }, security: [] },
  { operationId: 'getLabel', method: 'get', path: '/api/labels/{label}', expressPath: '/api/labels/:label', responses: { 200: jsonType, 400: problemType, 500: problemType }, security: [] },
];

type Handler = (request: RestRequest, context: HandlerContext) => Promise<RestResult>;
export type WidgetHandlers = Record<WidgetOperation, Handler>;

export const widgetsSurface: RestSurface<WidgetHandlers> = { service: 'widgets', specFile: 'runtime/src/rest/fast-path.fixture.ts', routes, spec: widgetsSpec };

/** Ids getWidget, updateWidget and deleteWidget treat specially. */
export const specialIds = {
  /** A returned 404 problem. */
  missing: 404,
  /** A thrown AppError not_found. */
  appError: 13,
  /** A thrown AppError unavailable (a 503, logged as unexpected). */
  unavailable: 503,
  /** A thrown plain Error: the generic 500, logged with its stack. */
  unexpected: 500,
  /** A result whose status the contract does not declare: the generic 500. */
  undeclared: 299,
  /** A response header value Node refuses to write (a line feed), after one it writes. */
  badHeader: 298,
  /** A body JSON.stringify makes nothing of (a function). */
  notJson: 297,
  /** A body JSON.stringify throws on (a BigInt). */
  bigint: 296,
  /** Its own Content-Type and Content-Length headers (which the JSON answer's replace). */
  ownContentType: 295,
  /** Answers after 300 ms (time for a client to leave), as an ordinary id would. */
  slow: 100,
  /** A 412 for updates and deletes whose If-Match is not `"7"`. */
  conditional: 7,
} as const;

/** Where the handlers were called from: a source file of the runtime's REST folder (`fast-path.ts`) or Express's pipeline. */
export interface HandlerCall {
  readonly operation: WidgetOperation;
  readonly requestId: string;
  /** The handler was reached from a runtime/src/rest/fast-path*.ts source (not this fixture or its test). */
  readonly fromFastPath: boolean;
  /** The trace of the span active while the handler ran (with tracing on: the request's server span). */
  readonly activeTraceId: string | undefined;
}

const fastPathFrame = /[/\\]rest[/\\](?:[\w-]+[/\\])?fast-path(?![\w-]*\.(?:test|fixture)\.ts)[\w.-]*\.ts/;

/** What a handler was given, as it answers it. */
const echo = (operation: WidgetOperation, request: RestRequest, context: HandlerContext) => ({
  operation,
  params: request.params,
  query: request.query,
  headers: request.headers,
  body: request.body ?? null,
  requestId: context.requestId,
});
/** The answer of a special id (specialIds), or undefined for an ordinary one. */
const special = async (id: number, context: HandlerContext): Promise<RestResult | undefined> => {
  if (id === specialIds.missing) return { status: 404, body: problem(404, `cannot find widget ${id}: no such id`) };
  if (id === specialIds.appError) throw new AppError(errorCodes.notFound, `cannot find widget ${id}: it was archived`);
  if (id === specialIds.unavailable) throw new AppError(errorCodes.unavailable, 'cannot read widgets: the store is restarting');
  if (id === specialIds.unexpected) throw new Error('cannot connect to db at postgres://admin:hunter2@db');
  if (id === specialIds.undeclared) return { status: 299, body: {} };
  if (id === specialIds.badHeader) return { status: 200, body: {}, headers: { etag: '"1"', 'x-note': 'a\nb' } };
  if (id === specialIds.notJson) return { status: 200, body: () => 'x' };
  if (id === specialIds.bigint) return { status: 200, body: { n: 1n } };
  if (id === specialIds.ownContentType) return { status: 200, body: { id }, headers: { 'Content-Type': 'text/plain', 'Content-Length': 5, 'X-Request-Id': 'the-handlers' } };
  if (id === specialIds.slow) await new Promise((resolve) => setTimeout(resolve, 300));
  context.log.debug({ id }, 'widget looked up');
  return undefined;
};
const idOf = (request: RestRequest): number => (request.params as { id: number }).id;

/** The handler set: each answers with what it was given, a few ids answer otherwise (specialIds). */
export function widgetHandlers(calls: HandlerCall[]): WidgetHandlers {
  const record = (operation: WidgetOperation, context: HandlerContext): void => {
    calls.push({ operation, requestId: context.requestId, fromFastPath: fastPathFrame.test(new Error('where').stack ?? ''), activeTraceId: trace.getActiveSpan()?.spanContext().traceId });
  };
  return {
    async listWidgets(request, context) {
      record('listWidgets', context);
      return { status: 200, body: [echo('listWidgets', request, context)] };
    },
    async createWidget(request, context) {
      record('createWidget', context);
      context.log.info({ widget: (request.body as { name?: unknown }).name }, 'creating widget');
      return { status: 201, body: echo('createWidget', request, context), headers: { location: '/api/widgets/42', etag: '"1"' } };
    },
    async getWidget(request, context) {
      record('getWidget', context);
      const id = idOf(request);
      const answer = await special(id, context);
      if (answer !== undefined) return answer;
      return { status: 200, body: echo('getWidget', request, context), headers: { etag: `"${id}"`, 'last-modified': 'Tue, 01 Dec 2026 10:00:00 GMT', 'cache-control': 'no-cache' } };
    },
    async updateWidget(request, context) {
      record('updateWidget', context);
      const id = idOf(request);
      if (id === specialIds.conditional && request.headers['if-match'] !== '"7"') return { status: 412, body: problem(412, `cannot update widget ${id}: it is at version "7"`) };
      const answer = await special(id, context);
      if (answer !== undefined) return answer;
      return { status: 200, body: echo('updateWidget', request, context), headers: { etag: '"2"' } };
    },
    async deleteWidget(request, context) {
      record('deleteWidget', context);
      const id = idOf(request);
      if (id === specialIds.conditional && request.headers['if-match'] !== '"7"') return { status: 412, body: problem(412, `cannot delete widget ${id}: it is at version "7"`) };
      const answer = await special(id, context);
      if (answer !== undefined) return answer;
      return { status: 204 };
    },
    async getPart(request, context) {
      record('getPart', context);
      return { status: 200, body: echo('getPart', request, context) };
    },
    async getLabel(request, context) {
      record('getLabel', context);
      return { status: 200, body: echo('getLabel', request, context) };
    },
  };
}

/** One response as it came off the socket. */
export interface RawResponse {
  /** `HTTP/1.1 200 OK` */
  readonly statusLine: string;
  /** Names and values in the order and spelling they were sent. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
}

export interface RawExchange {
  /** Every response, interim ones (100 Continue) included. */
  readonly responses: RawResponse[];
  /** How it ended: every expected final response read, the server closed the connection, or nothing more came in time. */
  readonly ended: 'answered' | 'closed' | 'timeout';
  /** Bytes after the last complete response. */
  readonly rest: Buffer;
}

/** The requests an exchange sends: their methods, in order (a HEAD's response has no body). */
export interface ExchangeOptions {
  readonly methods: readonly string[];
  /** Close the sending side after writing (the server sees the end of the stream). */
  readonly halfClose?: boolean;
  /** Send the bytes in pieces, one write each, this many milliseconds apart. */
  readonly pieces?: { readonly sizes: readonly number[]; readonly gapMs: number };
  readonly timeoutMs?: number;
}

const crlfCrlf = Buffer.from('\r\n\r\n');

/** One response at `from` in `buffer`, or undefined when it is not complete yet (`closed`: nothing more will come). */
function parseResponse(buffer: Buffer, from: number, method: string, closed: boolean): { response: RawResponse; next: number } | undefined {
  const headEnd = buffer.indexOf(crlfCrlf, from);
  if (headEnd === -1) return undefined;
  const [statusLine = '', ...lines] = buffer.subarray(from, headEnd).toString('latin1').split('\r\n');
  const headers = lines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon), line.slice(colon + 1).trim()];
  });
  const status = Number(statusLine.split(' ')[1]);
  const header = (name: string): string | undefined => headers.find(([key]) => key.toLowerCase() === name)?.[1];
  const start = headEnd + 4;
  const done = (end: number, body: Buffer = buffer.subarray(start, end)) => ({ response: { statusLine, headers, body }, next: end });
  if (method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200)) return done(start);
  if (header('transfer-encoding')?.toLowerCase().includes('chunked')) {
    const chunks: Buffer[] = [];
    let at = start;
    for (;;) {
      const lineEnd = buffer.indexOf('\r\n', at);
      if (lineEnd === -1) return undefined;
      const size = Number.parseInt(buffer.subarray(at, lineEnd).toString('latin1'), 16);
      if (size === 0) {
        const trailerEnd = buffer.indexOf(crlfCrlf, lineEnd);
        if (trailerEnd === -1) return undefined;
        return done(trailerEnd + 4, Buffer.concat(chunks));
      }
      if (buffer.length < lineEnd + 2 + size + 2) return undefined;
      chunks.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  const length = header('content-length');
  if (length !== undefined) return buffer.length >= start + Number(length) ? done(start + Number(length)) : undefined;
  return closed ? done(buffer.length) : undefined;
}

/** Sends `bytes` on a new connection to 127.0.0.1:`port`; resolves with every response read. */
export function exchange(port: number, bytes: Buffer, options: ExchangeOptions): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let received = Buffer.alloc(0);
    let finished = false;
    const parsed = (closed: boolean): { responses: RawResponse[]; next: number } => {
      const responses: RawResponse[] = [];
      let at = 0;
      let finals = 0;
      while (at < received.length && finals < options.methods.length) {
        const one = parseResponse(received, at, options.methods[finals] ?? 'GET', closed);
        if (one === undefined) break;
        responses.push(one.response);
        if (!/^HTTP\/1\.[01] 1\d\d /.test(one.response.statusLine)) finals++;
        at = one.next;
      }
      return { responses, next: at };
    };
    const finish = (ended: RawExchange['ended']): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      const { responses, next } = parsed(ended !== 'answered');
      socket.destroy();
      resolve({ responses, ended, rest: received.subarray(next) });
    };
    const timer = setTimeout(() => finish('timeout'), options.timeoutMs ?? 3000);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const { responses } = parsed(false);
      if (responses.filter((response) => !/^HTTP\/1\.[01] 1\d\d /.test(response.statusLine)).length >= options.methods.length) finish('answered');
    });
    socket.on('end', () => finish('closed'));
    socket.on('close', () => finish('closed'));
    socket.on('error', () => finish('closed'));
    socket.on('connect', async () => {
      if (options.pieces === undefined) socket.write(bytes);
      else {
        let at = 0;
        for (const size of options.pieces.sizes) {
          if (finished) return;
          socket.write(bytes.subarray(at, at + size));
          at += size;
          await new Promise((wait) => setTimeout(wait, options.pieces!.gapMs));
        }
        if (!finished && at < bytes.length) socket.write(bytes.subarray(at));
      }
      if (options.halfClose) socket.end();
    });
  });
}
