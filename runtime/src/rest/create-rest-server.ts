import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Express, RequestHandler } from 'express';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { describeAuthentication } from '../auth/settings.ts';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import { parseByteSize } from '../config/index.ts';
import { createHttpListener } from '../http/index.ts';
import { accessLog } from './access-log.ts';
import { decodablePathParameters, operationHandler } from './bind-routes.ts';
import type { AnyHandler } from './bind-routes.ts';
import { requireJsonBody } from './content-type.ts';
import { errorHandler, notFound } from './error-handler.ts';
import { exchangeRecording } from './exchange-recording.ts';
import { healthPaths, healthRoutes } from './health.ts';
import type { ReadinessReporter } from '../lifecycle/readiness.ts';
import { jsonBody } from './json-body.ts';
import { httpTelemetry, metricsPath, metricsRoute, telemetryOf } from '../observability/index.ts';
import { wellFormedText } from './json-text.ts';
import { compileRequestValidators, compiledRequestValidation } from './compiled-validation.ts';
import { createFastPath } from './fast-path.ts';
import { openApiValidation } from './openapi-validation.ts';
import { compileOperations } from './operations.ts';
import type { Operation } from './operations.ts';
import { series } from './pipeline.ts';
import { integerPathParameters } from './path-parameters.ts';
import { acceptedContentEncoding, bodyOnlyWhereDeclared } from './request-body.ts';
import { requestId } from './request-id.ts';
import { matchedOperation, routeMatch } from './route-match.ts';
import { securityCheck, securityGuard } from './security-guard.ts';
import type { SecurityCheck } from './security-guard.ts';
import type { ExactHandlers, HandlerSet, OpenApiDocument, RestRoute, RestSurface } from './surface.ts';

export interface RestServerOptions<Handlers, Actual extends Handlers = Handlers> {
  /** The generated surface of the service's contract (`<service>Surface` from gen/openapi/<service>/server.ts). */
  readonly surface: RestSurface<Handlers>;
  /**
   * The handler object, one member per operationId (`satisfies <Service>Handlers`), in its own type:
   * its response bodies must hold exactly the properties the contract declares (ExactHandlers).
   */
  readonly handlers: Actual & ExactHandlers<NoInfer<Actual>, NoInfer<Handlers>>;
  /** Root logger; each request gets a child bound to its request id. Default: `pino()` (info, stdout). */
  readonly logger?: Logger;
  /** Validate response bodies against the contract. Default false; turn it on in development and tests. */
  readonly validateResponses?: boolean;
  /**
   * How requests are validated against the contract: `'reference'` (express-openapi-validator, for
   * development and tests) or `'compiled'` (validators compiled once per operation,
   * compiled-validation.ts: the same verdicts at a fraction of the cost, for production). Default
   * `'reference'`. Response validation, when on, is always the reference's.
   */
  readonly requestValidation?: 'reference' | 'compiled';
  /** Largest accepted JSON body, in bytes or as `'64kb'` / `'1mb'`. Default `'64kb'`. */
  readonly bodyLimit?: number | string;
  /** Decides `/readyz` (200 or 503). Default: always ready. */
  readonly readiness?: ReadinessReporter;
  /** How long `close()` waits for in-flight requests before cutting connections. Default 10000 ms. */
  readonly drainTimeoutMs?: number;
  /**
   * How the contract's `security` is enforced: a token verifier (`createTokenVerifier` of
   * `@platform/runtime/auth`), or `'off'` to leave secured operations open (development only;
   * logged as a warning and shown by /readyz). Required when the contract secures any operation.
   */
  readonly authentication?: TokenVerifier | 'off';
  /**
   * Serve the contract's operations on the HTTP server's `request` event before Express
   * (fast-path.ts): the same answers, access lines, metrics and spans for about a third of the
   * CPU; a request it is not sure of goes to Express. Needs `requestValidation: 'compiled'` and
   * response validation off. Default: on exactly then (production settings).
   */
  readonly fastPath?: boolean;
}

export interface RestServer {
  /** The Express application: request id, logging, parsing, validation, routes, problem answers. */
  readonly app: Express;
  /** Starts listening (port 0 picks a free port); resolves with the bound address. */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /**
   * Drains (runtime/http drain.ts): stops accepting connections, answers every request sent on the
   * open ones (with `Connection: close`), closes them, and cuts what is left at the drain timeout.
   */
  close(): Promise<void>;
}

/** Binds a handler object to its generated REST surface: an Express 5 app speaking the contract. */
export function createRestServer<Handlers extends HandlerSet<Handlers>, Actual extends Handlers>(options: RestServerOptions<Handlers, Actual>): RestServer {
  const { surface, handlers } = options;
  const fail = (why: string): never => {
    throw new Error(`cannot create REST server for ${surface?.service ?? 'an unknown service'}: ${why}`);
  };
  if (!surface?.spec || !Array.isArray(surface.routes)) fail('surface must be a generated RestSurface');
  for (const route of surface.routes) {
    if (typeof handlers?.[route.operationId] !== 'function') fail(`handler "${String(route.operationId)}" is missing`);
  }
  const bodyLimit = parseSize(options.bodyLimit ?? '64kb') ?? fail(`bodyLimit ${String(options.bodyLimit)} is not a size like 65536 or '64kb'`);
  const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
  if (!Number.isFinite(drainTimeoutMs) || drainTimeoutMs < 0) fail(`drainTimeoutMs ${drainTimeoutMs} must be a non-negative number`);
  const logger = options.logger ?? pino();
  const secured = surface.routes.filter((route) => route.security.length > 0);
  checkSecuritySchemes(surface.spec, secured, fail);
  const authentication = options.authentication ?? (secured.length === 0 ? 'off' : fail(`authentication is required: the contract secures ${secured.map((route) => String(route.operationId)).join(', ')} (pass a token verifier, or 'off' in development)`));
  if (authentication !== 'off' && typeof authentication?.verify !== 'function') fail("authentication must be a TokenVerifier or 'off'");
  if (secured.length > 0 && authentication === 'off') logger.warn({ service: surface.service }, describeAuthentication(undefined));
  const readiness = withAuthentication(options.readiness ?? (() => ({ ok: true, checks: {} })), secured.length > 0 ? authentication : undefined);

  const operations = compileOperations(surface);
  const app = express();
  app.disable('x-powered-by');
  // No automatic ETag: a response carries the headers its contract declares, set by its handler.
  app.set('etag', false);
  // Set once the app is built (below): the fast path is compiled from its operations.
  let serve: RequestListener = app;
  const listener = createHttpListener((req, res) => serve(req, res), { name: surface.service, drainTimeoutMs, logger });
  // Infrastructure routes: not in the contract, not recorded against it, logged at debug.
  const probes: ReadonlySet<string> = new Set([...Object.values(healthPaths), metricsPath]);
  const telemetry = telemetryOf(logger);
  telemetry.metrics?.observeReadiness(async () => readiness());
  const validateResponses = options.validateResponses ?? false;
  const requestValidation = options.requestValidation ?? 'reference';
  if (requestValidation !== 'reference' && requestValidation !== 'compiled') fail(`requestValidation must be 'reference' or 'compiled' (got ${JSON.stringify(requestValidation)})`);
  const fastPathPossible = requestValidation === 'compiled' && !validateResponses;
  const fastPathOn = options.fastPath ?? fastPathPossible;
  if (fastPathOn && !fastPathPossible) fail("fastPath needs requestValidation 'compiled' and validateResponses off");
  const validators = requestValidation === 'compiled' ? compileRequestValidators(surface.spec, surface.routes as readonly RestRoute<PropertyKey>[]) : undefined;
  const validation: RequestHandler[] = [];
  if (validators !== undefined) validation.push(compiledRequestValidation(validators));
  if (requestValidation === 'reference' || validateResponses) validation.push(...openApiValidation(surface.spec, { validateRequests: requestValidation === 'reference', validateResponses }));

  // Every request, in this order: telemetry, request id, exchange recording, access log.
  const front = [
    httpTelemetry(telemetry, (req, res) => (matchedOperation(res)?.operation.route.operationId as string | undefined) ?? (probes.has(req.path) ? req.path : 'unmatched')),
    requestId(logger),
    exchangeRecording({ contract: surface.specFile, by: 'service', skip: (req) => probes.has(req.path) }),
    accessLog({ quietPaths: probes }),
  ];
  // The request against the contract, cheapest checks first; each answers its own problem. One
  // compiled list of steps per operation (pipeline.ts), in the order the layers ran before:
  const integerParameters = integerPathParameters();
  const noBody = bodyOnlyWhereDeclared();
  const encoding = acceptedContentEncoding();
  const parseJson = jsonBody({ limit: bodyLimit });
  const jsonOnly = requireJsonBody();
  const text = wellFormedText();
  const steps = new Map<Operation, RequestHandler>();
  const operationHandlers = new Map<Operation, AnyHandler>();
  const checks = new Map<Operation, SecurityCheck>();
  for (const operation of operations.operations) {
    const route = operation.route;
    const handler = handlers[route.operationId as keyof Handlers] as unknown as AnyHandler;
    operationHandlers.set(operation, handler);
    const check = route.security.length > 0 && authentication !== 'off' ? securityCheck({ realm: surface.service, security: route.security, verifier: authentication }) : undefined;
    if (check !== undefined) checks.set(operation, check);
    steps.set(operation, series([
      // Before the body is read: a refused call costs no parsing, and 401 comes before 400/413/415.
      ...(check !== undefined ? [decodablePathParameters(), securityGuard(check)] : []),
      integerParameters,
      noBody,
      encoding,
      ...(operation.takesBody ? [parseJson] : []),
      jsonOnly,
      ...(operation.takesBody ? [text] : []),
      ...validation,
      operationHandler(operation, handler, { throughJson: validateResponses }),
    ]));
  }
  const match = routeMatch(operations);
  const contract: RequestHandler = (req, res, next) =>
    match(req, res, (err?: unknown) => {
      if (err) return next(err);
      const matched = matchedOperation(res);
      const operationSteps = matched === undefined ? undefined : steps.get(matched.operation);
      if (operationSteps === undefined) return next();
      return operationSteps(req, res, next);
    });
  // Infrastructure routes (Express routes: case-insensitive, an optional trailing slash), only looked at for their paths.
  const infrastructure = series([healthRoutes(readiness, () => listener.draining), metricsRoute(telemetry.metrics), contract]);
  const probeLike = (path: string): boolean => {
    const lower = path.toLowerCase();
    return probes.has(lower) || (lower.endsWith('/') && probes.has(lower.slice(0, -1)));
  };
  app.use(series([...front, (req, res, next) => (probeLike(req.path) ? infrastructure : contract)(req, res, next)]));
  app.use(notFound());
  app.use(errorHandler());
  if (fastPathOn && validators !== undefined) {
    const fastPath = createFastPath({ operations, contract: surface.specFile, handlers: operationHandlers, checks, validate: validators, logger, telemetry, bodyLimit });
    serve = (req, res) => {
      if (!fastPath(req, res)) app(req, res);
    };
  }

  return { app, listen: (port, host) => listener.listen(port, host), close: () => listener.close() };
}

/** Every scheme a route names must be an HTTP bearer scheme of the contract: the only kind the guard enforces. */
function checkSecuritySchemes(spec: OpenApiDocument, secured: readonly RestRoute<PropertyKey>[], fail: (why: string) => never): void {
  const components = (spec.components ?? {}) as { securitySchemes?: Record<string, { type?: string; scheme?: string }> };
  for (const route of secured) {
    for (const name of route.security.flatMap((requirement) => Object.keys(requirement))) {
      const scheme = components.securitySchemes?.[name];
      if (scheme?.type !== 'http' || scheme.scheme?.toLowerCase() !== 'bearer') fail(`route ${String(route.operationId)} needs scheme "${name}", which is not an HTTP bearer scheme of the contract`);
    }
  }
}

/** The readiness report with an `authentication` check: always ok (reads never depend on it), saying on or off. */
function withAuthentication(readiness: ReadinessReporter, authentication: TokenVerifier | 'off' | undefined): ReadinessReporter {
  if (authentication === undefined) return readiness;
  const detail = (): string => (authentication === 'off' ? describeAuthentication(undefined) : `${describeAuthentication(authentication)}; keys ${authentication.state().keys}`);
  return async () => {
    const report = await readiness();
    return { ...report, checks: { ...report.checks, authentication: { ok: true, detail: detail() } } };
  };
}

/** 65536, '65536', '64kb', '1.5mb' → bytes; undefined when not a size. */
function parseSize(size: number | string): number | undefined {
  if (typeof size === 'number') return Number.isInteger(size) && size > 0 ? size : undefined;
  return parseByteSize(size);
}
