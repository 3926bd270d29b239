import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Express } from 'express';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { parseByteSize } from '../config/index.ts';
import { accessLog } from './access-log.ts';
import { bindRoutes } from './bind-routes.ts';
import { requireJsonBody } from './content-type.ts';
import { errorHandler, notFound } from './error-handler.ts';
import { healthPaths, healthRoutes } from './health.ts';
import type { Readiness } from './health.ts';
import { openApiValidation } from './openapi-validation.ts';
import { requestId } from './request-id.ts';
import type { ExactHandlers, HandlerSet, RestSurface } from './surface.ts';

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
  /** Largest accepted JSON body, in bytes or as `'64kb'` / `'1mb'`. Default `'64kb'`. */
  readonly bodyLimit?: number | string;
  /** Decides `/readyz` (200 or 503). Default: always ready. */
  readonly readiness?: Readiness;
  /** How long `close()` waits for in-flight requests before cutting connections. Default 10000 ms. */
  readonly drainTimeoutMs?: number;
}

export interface RestServer {
  /** The Express application: request id, logging, parsing, validation, routes, problem answers. */
  readonly app: Express;
  /** Starts listening (port 0 picks a free port); resolves with the bound address. */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Stops accepting connections, lets in-flight requests finish (up to the drain timeout), then resolves. */
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
  const readiness = options.readiness ?? (() => ({ ok: true, checks: {} }));

  let server: Server | undefined;
  let draining = false;

  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    // While draining, a keep-alive connection whose response just ended is idle: close it now.
    res.once('close', () => draining && setImmediate(() => server?.closeIdleConnections()));
    next();
  });
  app.use(requestId(logger));
  app.use(accessLog({ quietPaths: new Set(Object.values(healthPaths)) }));
  app.use(healthRoutes(readiness, () => draining));
  app.use(express.json({ limit: bodyLimit }));
  app.use(requireJsonBody());
  app.use(openApiValidation(surface.spec, { validateResponses: options.validateResponses ?? false }));
  bindRoutes(app, surface, handlers);
  app.use(notFound());
  app.use(errorHandler());

  return {
    app,
    listen(port, host) {
      if (server) return Promise.reject(new Error(`cannot listen: ${surface.service} is already listening`));
      const listening = createServer(app);
      server = listening;
      return new Promise((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(port, host, () => {
          listening.off('error', reject);
          resolve(listening.address() as AddressInfo);
        });
      });
    },
    async close() {
      draining = true;
      const closing = server;
      if (!closing?.listening) return;
      const closed = new Promise<void>((resolve, reject) => closing.close((err) => (err ? reject(err) : resolve())));
      closing.closeIdleConnections();
      const cut = setTimeout(() => closing.closeAllConnections(), drainTimeoutMs);
      try {
        await closed;
      } finally {
        clearTimeout(cut);
      }
    },
  };
}

/** 65536, '65536', '64kb', '1.5mb' → bytes; undefined when not a size. */
function parseSize(size: number | string): number | undefined {
  if (typeof size === 'number') return Number.isInteger(size) && size > 0 ? size : undefined;
  return parseByteSize(size);
}
