/**
 * Reads an OpenAPI 3.1 document into the small model the emitters need: one entry per
 * operation with its path parameters, request body and declared responses. Only local
 * `$ref`s (`#/components/...`) are followed; the contracts are self-contained.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname, relative, sep } from 'node:path';
import { parse } from 'yaml';

export const httpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof httpMethods)[number];

type Json = Record<string, unknown>;

export interface ContractSchema {
  readonly $ref?: string;
  readonly type?: string | readonly string[];
  readonly items?: ContractSchema;
}

export interface ContractResponse {
  readonly status: number;
  readonly description: string;
  /** Media type of the body; undefined when the response has none. */
  readonly mediaType: string | undefined;
  readonly schema: ContractSchema | undefined;
  readonly headers: readonly { readonly name: string; readonly required: boolean; readonly schema: ContractSchema }[];
}

/**
 * One alternative of an operation's security: each scheme it needs, with the scopes needed of it.
 * The operation lets a call through when any one alternative is satisfied.
 */
export type ContractSecurityRequirement = Readonly<Record<string, readonly string[]>>;

/** Statuses the REST runtime answers on its own for an operation that needs a token (runtime/src/rest/security-guard.ts). */
export const securityStatuses = [401, 403, 503] as const;

export interface ContractOperation {
  readonly operationId: string;
  readonly method: HttpMethod;
  /** Path as written in the contract, `/api/platforms/{id}`. */
  readonly path: string;
  /** Express 5 path, `/api/platforms/:id`. */
  readonly expressPath: string;
  readonly summary: string | undefined;
  readonly description: string | undefined;
  readonly parameters: { readonly path: boolean; readonly query: boolean; readonly header: boolean };
  readonly requestBody: { readonly required: boolean; readonly mediaType: string; readonly schema: ContractSchema } | undefined;
  readonly responses: readonly ContractResponse[];
  /**
   * The security in force (the operation's `security`, else the document's): empty when the
   * operation is open. Every scheme named is an HTTP bearer scheme (checked when loading).
   */
  readonly security: readonly ContractSecurityRequirement[];
}

export interface Contract {
  /** File name without extension, `platform-service`. */
  readonly service: string;
  /** Path of the document relative to the repository root, with `/` separators. */
  readonly file: string;
  readonly title: string;
  readonly version: string;
  readonly document: Json;
  readonly schemaNames: readonly string[];
  readonly operations: readonly ContractOperation[];
}

export async function loadContract(file: string, root: string): Promise<Contract> {
  const document = parse(await readFile(file, 'utf8')) as Json;
  const fail = (why: string): never => {
    throw new Error(`cannot read OpenAPI contract ${file}: ${why}`);
  };
  if (typeof document.openapi !== 'string' || !document.openapi.startsWith('3.1.')) fail('only OpenAPI 3.1 documents are supported');
  const info = (document.info ?? {}) as Json;
  const resolve = (node: unknown): Json => {
    let current = node as Json;
    for (let depth = 0; typeof current?.$ref === 'string'; depth++) {
      const ref = current.$ref;
      if (!ref.startsWith('#/') || depth > 20) fail(`unsupported or cyclic $ref "${ref}"`);
      current = ref.slice(2).split('/').reduce<unknown>((at, key) => (at as Json | undefined)?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], document) as Json;
      if (current === undefined) fail(`dangling $ref "${ref}"`);
    }
    return current;
  };

  const schemes = Object.fromEntries(Object.entries((((document.components ?? {}) as Json).securitySchemes ?? {}) as Json).map(([name, scheme]) => [name, resolve(scheme)]));
  const operations: ContractOperation[] = [];
  for (const [path, rawItem] of Object.entries((document.paths ?? {}) as Json)) {
    const item = resolve(rawItem);
    const shared = (item.parameters ?? []) as unknown[];
    for (const method of httpMethods) {
      if (item[method] === undefined) continue;
      const operation = item[method] as Json;
      const where = `${method.toUpperCase()} ${path}`;
      if (typeof operation.operationId !== 'string') fail(`${where} has no operationId`);
      const parameters = [...shared, ...((operation.parameters ?? []) as unknown[])].map(resolve);
      const body = operation.requestBody === undefined ? undefined : resolve(operation.requestBody);
      const responses = Object.entries((operation.responses ?? {}) as Json).map(([status, response]) => readResponse(status, resolve(response), resolve, where, fail));
      operations.push({
        operationId: operation.operationId as string,
        method,
        path,
        expressPath: path.replace(/\{([^}]+)\}/g, (_, name: string) => `:${name}`),
        summary: operation.summary as string | undefined,
        description: operation.description as string | undefined,
        parameters: {
          path: parameters.some((p) => p.in === 'path'),
          query: parameters.some((p) => p.in === 'query'),
          header: parameters.some((p) => p.in === 'header'),
        },
        requestBody: body && readBody(body, where, fail),
        responses,
        security: readSecurity(operation.security ?? document.security, responses, schemes, where, fail),
      });
    }
  }
  const ids = operations.map((o) => o.operationId);
  const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
  if (duplicate) fail(`operationId "${duplicate}" is used twice`);

  return {
    service: basename(file, extname(file)),
    file: relative(root, file).split(sep).join('/'),
    title: String(info.title ?? ''),
    version: String(info.version ?? ''),
    document,
    schemaNames: Object.keys((((document.components ?? {}) as Json).schemas ?? {}) as Json),
    operations,
  };
}

function readBody(body: Json, where: string, fail: (why: string) => never): ContractOperation['requestBody'] {
  const content = (body.content ?? {}) as Record<string, Json>;
  const mediaType = Object.keys(content).find(isJson) ?? fail(`${where}: only JSON request bodies are supported`);
  return { required: body.required === true, mediaType, schema: (content[mediaType]!.schema ?? {}) as ContractSchema };
}

function readResponse(status: string, response: Json, resolve: (node: unknown) => Json, where: string, fail: (why: string) => never): ContractResponse {
  if (!/^[1-5]\d\d$/.test(status)) fail(`${where}: response "${status}" is not supported (declare each status code)`);
  const content = (response.content ?? {}) as Record<string, Json>;
  const mediaTypes = Object.keys(content);
  const mediaType = mediaTypes.find(isJson);
  if (mediaTypes.length > 0 && mediaType === undefined) fail(`${where}: response ${status} has no JSON media type`);
  const headers = Object.entries((response.headers ?? {}) as Json).map(([name, header]) => {
    const resolved = resolve(header);
    return { name: name.toLowerCase(), required: resolved.required === true, schema: (resolved.schema ?? {}) as ContractSchema };
  });
  return {
    status: Number(status),
    description: String(response.description ?? ''),
    mediaType,
    schema: mediaType === undefined ? undefined : ((content[mediaType]!.schema ?? {}) as ContractSchema),
    headers,
  };
}

/**
 * The effective security of an operation. The REST runtime enforces HTTP bearer schemes (JWTs) and
 * answers 401, 403 and 503 for them by itself, so a secured operation must declare those statuses
 * (the contract names every status a part answers). An empty alternative (`{}`) means open.
 */
function readSecurity(raw: unknown, responses: readonly ContractResponse[], schemes: Readonly<Record<string, Json>>, where: string, fail: (why: string) => never): ContractSecurityRequirement[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) fail(`${where}: security must be a list of requirements`);
  const requirements = (raw as unknown[]).map((alternative) => {
    const entries = Object.entries((alternative ?? {}) as Json);
    for (const [name, scopes] of entries) {
      const scheme = schemes[name] ?? fail(`${where}: security names scheme "${name}", which components.securitySchemes does not define`);
      if (scheme.type !== 'http' || String(scheme.scheme).toLowerCase() !== 'bearer') fail(`${where}: security scheme "${name}" is not supported (only type http, scheme bearer)`);
      if (!Array.isArray(scopes) || scopes.some((scope) => typeof scope !== 'string')) fail(`${where}: the scopes of "${name}" must be a list of strings`);
    }
    return Object.fromEntries(entries) as ContractSecurityRequirement;
  });
  if (requirements.length === 0 || requirements.some((requirement) => Object.keys(requirement).length === 0)) return [];
  const missing = securityStatuses.filter((status) => !responses.some((response) => response.status === status));
  if (missing.length > 0) fail(`${where} needs a bearer token but does not declare response ${missing.join(', ')} (the REST runtime answers them when a token is missing or invalid, lacks a scope, or cannot be checked)`);
  return requirements;
}

function isJson(mediaType: string): boolean {
  return /^application\/(?:[\w.-]+\+)?json$/.test(mediaType);
}
