/**
 * Request validation compiled once from the contract, for production: one Ajv validator per
 * operation for its parameters and one for its body, looked up through the operation the route
 * match already found (route-match.ts), with no per-request URL parsing, route lookup or
 * middleware building. express-openapi-validator stays the reference (development and tests);
 * this gives the same verdicts: accepted or refused, and the same fields named in the same error
 * shape (`{ status, errors: [{ path, message, errorCode }] }`, mapped by to-problem.ts), which
 * compiled-validation.test.ts checks on the fixtures' requests and on the contract fuzzer's corpus.
 *
 * It understands what the platform's contracts use: path, header and query parameters with plain
 * schemas and JSON request bodies. A contract using more (cookies, `style`/`explode`, `content`
 * parameters, other body media types) is refused when the server is built, never half-checked.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import type { RequestHandler } from 'express';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { mediaTypes } from './media-types.ts';
import { matchedOperation } from './route-match.ts';
import type { OpenApiDocument, RestRoute } from './surface.ts';

type Json = Readonly<Record<string, unknown>>;

/** The error request validation throws: express-openapi-validator's shape, so to-problem.ts maps both alike. */
export interface RequestValidationError {
  readonly status: 400 | 415;
  readonly message: string;
  readonly errors: readonly { readonly path: string; readonly message: string; readonly errorCode: string }[];
}

interface CompiledOperation {
  /** Validates `{ params, headers, query }` (coercing as the reference does). */
  readonly general: ValidateFunction;
  /** Validates `{ body }`; undefined when the operation takes none. */
  readonly body: ValidateFunction | undefined;
  /** The reference refuses a missing media type unless the body is explicitly optional (`required: false`). */
  readonly bodyOptional: boolean;
  readonly queryNames: ReadonlySet<string>;
}

// express-openapi-validator's own formats (framework/ajv/formats.js), so formats judge alike.
const maxInt32 = 2 ** 31 - 1;
const int64 = 2 ** 63;
const formats = {
  int32: { type: 'number', validate: (i: number) => Number.isInteger(i) && i <= maxInt32 && i >= -(2 ** 31) },
  int64: { type: 'number', validate: (i: number) => Number.isInteger(i) && i <= int64 - 1 && i >= -int64 },
  float: { type: 'number', validate: (i: number) => typeof i === 'number' },
  double: { type: 'number', validate: (i: number) => typeof i === 'number' },
  byte: (b: string) => b.length % 4 === 0 && /^[A-Za-z0-9+/]*(=|==)?$/.test(b),
  binary: true,
  password: true,
  'media-range': true,
} as const;

function createAjv(spec: OpenApiDocument, coerceTypes: boolean): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: false, coerceTypes, logger: false, formats });
  // `#/components/...` references resolve against the document itself.
  ajv.addSchema({ ...(spec as object), $id: 'openapi.json' } as object, 'openapi.json');
  return ajv;
}

/** `#/components/x` → `openapi.json#/components/x`, throughout a schema. */
function rebase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rebase);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, key === '$ref' && typeof item === 'string' && item.startsWith('#/') ? `openapi.json${item}` : rebase(item)]));
}

function resolve(spec: OpenApiDocument, value: unknown): Json {
  let current = value as Json;
  for (let hops = 0; typeof current?.$ref === 'string' && hops < 20; hops++) {
    const path = current.$ref.replace(/^#\//, '').split('/').map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
    current = path.reduce<Json>((node, key) => (node?.[key] ?? {}) as Json, spec as Json);
  }
  return current ?? {};
}

function compileOperation(spec: OpenApiDocument, route: RestRoute<PropertyKey>, general: Ajv2020, bodies: Ajv2020): CompiledOperation {
  const fail = (why: string): never => {
    throw new Error(`cannot compile request validation of ${String(route.operationId)}: ${why}`);
  };
  const pathItem = resolve(spec, (spec.paths as Json | undefined)?.[route.path]);
  const operation = resolve(spec, pathItem[route.method]);
  const declared = [...((pathItem.parameters as unknown[]) ?? []), ...((operation.parameters as unknown[]) ?? [])].map((p) => resolve(spec, p));
  const byKey = new Map(declared.map((p) => [`${String(p.in)}:${String(p.name)}`, p]));
  const groups: Record<'params' | 'headers' | 'query', { properties: Record<string, unknown>; required: string[] }> = {
    params: { properties: {}, required: [] },
    headers: { properties: {}, required: [] },
    query: { properties: {}, required: [] },
  };
  for (const parameter of byKey.values()) {
    if (parameter.content !== undefined || parameter.style !== undefined || parameter.explode !== undefined) fail(`parameter ${String(parameter.name)} uses content, style or explode`);
    const group = parameter.in === 'path' ? groups.params : parameter.in === 'header' ? groups.headers : parameter.in === 'query' ? groups.query : fail(`parameter ${String(parameter.name)} is in ${String(parameter.in)}`);
    const name = parameter.in === 'header' ? String(parameter.name).toLowerCase() : String(parameter.name);
    group.properties[name] = rebase(parameter.schema ?? {});
    if (parameter.required === true) group.required.push(name);
  }
  const object = (group: (typeof groups)['params']) => ({ type: 'object', properties: group.properties, required: group.required });
  const generalSchema = { type: 'object', required: ['query', 'headers', 'params'], properties: { query: object(groups.query), headers: object(groups.headers), params: object(groups.params) } };
  const requestBody = resolve(spec, operation.requestBody);
  let body: ValidateFunction | undefined;
  if (operation.requestBody !== undefined) {
    const content = (requestBody.content ?? {}) as Json;
    const types = Object.keys(content);
    if (types.length !== 1 || types[0] !== mediaTypes.json) fail(`its request body is ${types.join(', ') || 'of no media type'}, not only ${mediaTypes.json}`);
    const schema = rebase((content[mediaTypes.json] as Json | undefined)?.schema ?? {});
    body = bodies.compile({ type: 'object', properties: { body: schema }, ...(requestBody.required === true ? { required: ['body'] } : {}) });
  }
  return { general: general.compile(generalSchema), body, bodyOptional: requestBody.required === false, queryNames: new Set(Object.keys(groups.query.properties)) };
}

/** The reference's path for one Ajv error: the missing or extra property appended. */
function toValidatorError(error: ErrorObject): RequestValidationError['errors'][number] {
  const params = error.params as { missingProperty?: string; additionalProperty?: string; unevaluatedProperty?: string };
  const extra = params.missingProperty ?? params.additionalProperty ?? params.unevaluatedProperty;
  return { path: extra === undefined ? error.instancePath : `${error.instancePath}/${extra}`, message: error.message ?? 'is invalid', errorCode: `${error.keyword}.openapi.validation` };
}

function badRequest(path: string, errors: RequestValidationError['errors']): RequestValidationError {
  return { status: 400, message: `request${path} is not valid`, errors };
}

function unsupported(path: string, message: string): RequestValidationError {
  return { status: 415, message, errors: [{ path, message, errorCode: 'unsupported.media.type' }] };
}

/** The media type of a Content-Type value as the reference reads it; undefined when there is none. */
function mediaTypeOf(contentType: string | undefined): string | undefined {
  return contentType === undefined ? undefined : (contentType.split(';')[0] ?? '').toLowerCase().trim();
}

let qsParse: ((text: string) => Record<string, unknown>) | undefined;

/**
 * The query names the reference sees: a key with `[` is read as qs reads it (`a[b]=c` is `a`; a
 * key qs reads as something else disappears), with the very qs the reference uses.
 */
function queryNames(query: Readonly<Record<string, unknown>>): string[] {
  const names: string[] = [];
  for (const key in query) {
    if (!key.includes('[')) {
      names.push(key);
      continue;
    }
    qsParse ??= (createRequire(createRequire(import.meta.url).resolve('express-openapi-validator'))('qs') as { parse: (text: string) => Record<string, unknown> }).parse;
    const normalized = key.split('[')[0] ?? '';
    if (qsParse(`${key}=${String(query[key])}`)[normalized] !== undefined && !names.includes(normalized)) names.push(normalized);
  }
  return names;
}

/** What request validation looks at: the request as the reference sees it, and the path its route match found. */
export interface ValidatedRequest {
  /** The URL path (an error's `path` for a refused media type). */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The query as Express 5 parses it (node:querystring). */
  readonly query: Readonly<Record<string, unknown>>;
  /** Path parameters as the route match decoded them. */
  readonly params: Readonly<Record<string, string | undefined>>;
  readonly body: unknown;
}

/** Checks a request of an operation of the surface; answers its error, undefined when valid. */
export type RequestValidator = (route: RestRoute<PropertyKey>, request: ValidatedRequest) => RequestValidationError | undefined;

/** The validators of every operation of the surface's routes, compiled now. */
export function compileRequestValidators(spec: OpenApiDocument, routes: readonly RestRoute<PropertyKey>[]): RequestValidator {
  const general = createAjv(spec, true);
  const bodies = createAjv(spec, false);
  const compiled = new Map<RestRoute<PropertyKey>, CompiledOperation>();
  for (const route of routes) compiled.set(route, compileOperation(spec, route, general, bodies));
  return (route, request) => {
    const operation = compiled.get(route);
    if (operation === undefined) throw new Error(`cannot validate a request of ${String(route.operationId)}: it is not an operation of the surface`);
    // In the reference's order: the body's media type, unknown query parameters, then the schemas.
    if (operation.body !== undefined) {
      const mediaType = mediaTypeOf(request.headers['content-type']);
      if (mediaType === undefined || mediaType === '') {
        if (!operation.bodyOptional) return unsupported(request.path, 'media type not specified');
      } else if (mediaType !== mediaTypes.json) return unsupported(request.path, `unsupported media type ${mediaType}`);
    }
    const query = request.query;
    for (const name of queryNames(query)) {
      if (!operation.queryNames.has(name)) return { status: 400, message: `Unknown query parameter '${name}'`, errors: [{ path: `/query/${name}`, message: `Unknown query parameter '${name}'`, errorCode: 'unknown.query' }] };
    }
    const data = { query: { ...query }, headers: request.headers, params: { ...request.params } };
    const generalValid = operation.general(data);
    const bodyValid = operation.body === undefined || operation.body({ body: request.body });
    if (generalValid && bodyValid) return undefined;
    const errors = [...(operation.general.errors ?? []), ...(operation.body?.errors ?? [])].map(toValidatorError);
    return badRequest('', errors);
  };
}

/** Compiled request validation (compileRequestValidators) as a step of the Express pipeline. */
export function compiledRequestValidation(validate: RequestValidator): RequestHandler {
  return (req, res, next) => {
    // Route matching answered for anything the contract does not have; HEAD is validated as GET.
    const matched = matchedOperation(res);
    if (matched === undefined) return next();
    const error = validate(matched.operation.route, { path: req.path, headers: req.headers, query: req.query as Record<string, unknown>, params: matched.path.parameters, body: req.body });
    if (error !== undefined) throw error;
    next();
  };
}
