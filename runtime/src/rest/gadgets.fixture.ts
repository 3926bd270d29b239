/**
 * Test fixture: a small contract owned by the runtime's tests ("gadgets") and a server for it,
 * with the shapes the binder's request rules depend on: integer path parameters with different
 * ranges, an operation with a JSON body, operations without one, and a path with two methods.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach } from 'vitest';
export { send } from '../http/testing.ts';
import { createRestServer } from './create-rest-server.ts';
import type { RestServer } from './create-rest-server.ts';
import type { HandlerContext, OpenApiDocument, RestRequest, RestResult, RestRoute, RestSurface } from './surface.ts';

const problem = { $ref: '#/components/responses/Problem' };

export const gadgetsSpec: OpenApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Gadgets', version: '1.0.0' },
  paths: {
    '/gadgets': {
      get: { operationId: 'listGadgets', responses: { 200: { description: 'ok', content: { 'application/json': { schema: { type: 'array' } } } }, 400: problem } },
      post: {
        operationId: 'createGadget',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1 }, tags: { type: 'array', items: { type: 'string' } } } } } },
        },
        responses: { 201: { description: 'created', content: { 'application/json': { schema: { type: 'object' } } } }, 400: problem, 413: problem, 415: problem },
      },
    },
    '/gadgets/{gadgetId}': {
      parameters: [{ $ref: '#/components/parameters/GadgetId' }],
      get: { operationId: 'getGadget', responses: { 200: { description: 'ok', content: { 'application/json': { schema: { type: 'object' } } } }, 400: problem } },
    },
    '/gadgets/{gadgetId}/parts/{partIndex}': {
      parameters: [
        { $ref: '#/components/parameters/GadgetId' },
        { name: 'partIndex', in: 'path', required: true, schema: { type: 'integer', minimum: 0, maximum: 9 } },
      ],
      get: { operationId: 'getPart', responses: { 200: { description: 'ok', content: { 'application/json': { schema: { type: 'object' } } } }, 400: problem } },
    },
    '/gadgets/{gadgetId}/ping': {
      parameters: [{ $ref: '#/components/parameters/GadgetId' }],
      post: { operationId: 'pingGadget', responses: { 200: { description: 'ok', content: { 'application/json': { schema: { type: 'object' } } } }, 400: problem } },
    },
  },
  components: {
    parameters: { GadgetId: { name: 'gadgetId', in: 'path', required: true, schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 2147483647 } } },
    responses: { Problem: { description: 'problem', content: { 'application/problem+json': { schema: { type: 'object' } } } } },
  },
};

type GadgetOperation = 'listGadgets' | 'createGadget' | 'getGadget' | 'getPart' | 'pingGadget';

const json = 'application/json';
const problemJson = 'application/problem+json';
const routes: readonly RestRoute<GadgetOperation>[] = [
  { operationId: 'listGadgets', method: 'get', path: '/gadgets', expressPath: '/gadgets', responses: { 200: json, 400: problemJson }, security: [] },
  { operationId: 'createGadget', method: 'post', path: '/gadgets', expressPath: '/gadgets', responses: { 201: json, 400: problemJson, 413: problemJson, 415: problemJson }, security: [] },
  { operationId: 'getGadget', method: 'get', path: '/gadgets/{gadgetId}', expressPath: '/gadgets/:gadgetId', responses: { 200: json, 400: problemJson }, security: [] },
  { operationId: 'getPart', method: 'get', path: '/gadgets/{gadgetId}/parts/{partIndex}', expressPath: '/gadgets/:gadgetId/parts/:partIndex', responses: { 200: json, 400: problemJson }, security: [] },
  { operationId: 'pingGadget', method: 'post', path: '/gadgets/{gadgetId}/ping', expressPath: '/gadgets/:gadgetId/ping', responses: { 200: json, 400: problemJson }, security: [] },
];

type Handler = (request: RestRequest, context: HandlerContext) => Promise<RestResult>;
export type GadgetHandlers = Record<GadgetOperation, Handler>;

export const gadgetsSurface: RestSurface<GadgetHandlers> = { service: 'gadgets', specFile: 'runtime/src/rest/gadgets.fixture.ts', routes, spec: gadgetsSpec };

export interface GadgetServer {
  readonly base: string;
  /** Every request a handler received, in order. */
  readonly calls: { readonly operation: GadgetOperation; readonly request: RestRequest }[];
  readonly server: RestServer;
  close(): Promise<void>;
}

/** Serves the gadgets contract on a free port; every handler records its request and answers 200/201 with it. */
export async function startGadgets(options: { readonly bodyLimit?: string } = {}): Promise<GadgetServer> {
  const calls: GadgetServer['calls'][number][] = [];
  const answer = (operation: GadgetOperation, status: number): Handler => async (request) => {
    calls.push({ operation, request });
    return { status, body: { params: request.params, body: request.body ?? null } };
  };
  const handlers: GadgetHandlers = {
    listGadgets: async (request) => (calls.push({ operation: 'listGadgets', request }), { status: 200, body: [] }),
    createGadget: answer('createGadget', 201),
    getGadget: answer('getGadget', 200),
    getPart: answer('getPart', 200),
    pingGadget: answer('pingGadget', 200),
  };
  const server = createRestServer({ surface: gadgetsSurface, handlers, logger: pino({ level: 'silent' }), validateResponses: true, ...options });
  const { port } = await server.listen(0, '127.0.0.1');
  return { base: `http://127.0.0.1:${port}`, calls, server, close: () => server.close() };
}

/**
 * A gadgets server for the tests of the calling describe block: started before them, closed after
 * them, its recorded calls cleared before each. Read `base` and `calls` inside the tests.
 */
export function gadgetsForTests(): Pick<GadgetServer, 'base' | 'calls'> {
  let started: GadgetServer | undefined;
  const current = (): GadgetServer => {
    if (started === undefined) throw new Error('cannot use the gadgets server: it starts in beforeAll');
    return started;
  };
  beforeAll(async () => {
    started = await startGadgets();
  });
  afterAll(() => started?.close());
  beforeEach(() => {
    if (started) started.calls.length = 0;
  });
  return {
    get base() {
      return current().base;
    },
    get calls() {
      return current().calls;
    },
  };
}
