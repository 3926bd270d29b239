/**
 * The vocabulary shared by generated REST surfaces (gen/openapi/<service>/server.ts) and
 * the binder: what a handler receives and returns, and what a surface describes.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';

/** What a handler knows about its request besides the typed inputs. */
export interface HandlerContext {
  /** The request id: the caller's valid `x-request-id`, otherwise generated. */
  readonly requestId: string;
  /** Logger bound to this request (every line carries the request id). */
  readonly log: Logger;
  /** Aborted when the client goes away before the response is sent. */
  readonly signal: AbortSignal;
}

/** Request headers, lower-case names (as Node delivers them). */
export type RequestHeaders = IncomingHttpHeaders;

/** Type of `params` / `query` for an operation that declares none. */
export type NoParams = Readonly<Record<string, never>>;

/** The shape every generated request type has; inputs are validated against the contract first. */
export interface RestRequest {
  readonly params: object;
  readonly query: object;
  readonly headers: RequestHeaders;
  readonly body: unknown;
}

/** The shape every generated result type has: a declared status, its body, its declared headers. */
export interface RestResult {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string | number | boolean | undefined>>;
}

/** One operation's implementation as the binder sees it. */
export type RestHandler = (request: never, context: HandlerContext) => Promise<RestResult>;

/** A handler object: every member an operation implementation. */
export type HandlerSet<Handlers> = { readonly [K in keyof Handlers]: RestHandler };

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace';

/** One operation of a contract, as the binder mounts it. */
export interface RestRoute<OperationId extends PropertyKey = string> {
  readonly operationId: OperationId;
  readonly method: HttpMethod;
  /** Path as written in the contract, `/api/platforms/{id}`. */
  readonly path: string;
  /** The same path in Express 5 syntax, `/api/platforms/:id`. */
  readonly expressPath: string;
  /** Media type of each declared response status; null for a response without a body. */
  readonly responses: Readonly<Record<number, string | null>>;
  /**
   * The contract's security in force for the operation: a list of alternatives, any one of which
   * lets a call through; each names HTTP bearer schemes with the scopes the token must carry.
   * Empty: the operation is open.
   */
  readonly security: readonly SecurityRequirement[];
}

/** One alternative of an operation's security: scheme name to the scopes required (`{ bearerAuth: ['platforms:write'] }`). */
export type SecurityRequirement = Readonly<Record<string, readonly string[]>>;

/** A parsed OpenAPI 3.1 document. */
export type OpenApiDocument = { readonly openapi: string } & Readonly<Record<string, unknown>>;

/** Everything the binder needs from a contract; generated as `<service>Surface`. */
export interface RestSurface<Handlers> {
  /** Contract file name without extension, `platform-service`. */
  readonly service: string;
  /** Contract path relative to the repository root. */
  readonly specFile: string;
  readonly routes: readonly RestRoute<keyof Handlers>[];
  readonly spec: OpenApiDocument;
}

/**
 * `Actual` checked against the contract exactly: every response body property the contract does
 * not declare becomes `never`, at any depth. A body is JSON, so TypeScript's structural typing would
 * otherwise let a value with an extra property (a field the contract dropped, an entity's column)
 * through to the wire. Unions on either side are checked member by member.
 */
export type Exact<Actual, Declared> = unknown extends Declared
  ? Actual
  : Actual extends readonly (infer ActualItem)[]
    ? Declared extends readonly (infer DeclaredItem)[]
      ? readonly Exact<ActualItem, DeclaredItem>[]
      : Declared
    : Actual extends object
      ? Declared extends object
        ? { readonly [K in keyof Actual]: K extends keyof Declared ? Exact<Actual[K], Declared[K]> : never }
        : Declared
      : Actual;

/** One result of a handler with its body checked exactly against the declared result of the same status. */
type ExactResult<Actual, Declared> = Actual extends { readonly status: infer Status; readonly body: infer Body }
  ? Omit<Actual, 'body'> & { readonly body: Exact<Body, Extract<Declared, { readonly status: Status }> extends { readonly body: infer DeclaredBody } ? DeclaredBody : never> }
  : Actual;

/**
 * A handler set's own type (`Actual`) as the contract's handler interface (`Declared`) allows it
 * exactly: each operation's response bodies hold only the properties the contract declares.
 * createRestServer requires it, so a body with an undeclared property fails `tsc` where the set is
 * bound. Keep the handler set's own type (do not annotate it as the interface): an annotation
 * widens it to the interface, and the check then has nothing left to see.
 */
export type ExactHandlers<Actual, Declared> = {
  readonly [K in keyof Declared]: K extends keyof Actual
    ? Actual[K] extends (...args: infer Args) => Promise<infer Result>
      ? Declared[K] extends (...args: never) => Promise<infer DeclaredResult>
        ? (...args: Args) => Promise<ExactResult<Result, DeclaredResult>>
        : Declared[K]
      : Declared[K]
    : Declared[K];
};
