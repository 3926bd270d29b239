import express from 'express';
import type { ErrorRequestHandler } from 'express';
import type { RequestListener } from 'node:http';
import { PlatformService as PlatformRpcService } from '@platform/gen/proto/platforms/v1/platforms_pb.ts';
import { createHttpListener } from '@platform/runtime/http';
import type { HttpListener } from '@platform/runtime/http';
import { createService } from '@platform/runtime/lifecycle';
import type { Service } from '@platform/runtime/lifecycle';
import type { Logger } from '@platform/runtime/logging';
import { httpTelemetry, metricsPath, metricsRoute, telemetryOf } from '@platform/runtime/observability';
import { accessLog, healthPaths, healthRoutes, requestId, requestState, series } from '@platform/runtime/rest';
import { asyncapiDocsRoute } from './asyncapi-docs.ts';
import type { GatewayConfig } from './config.ts';
import { listContractFiles } from './contract-files.ts';
import { contractsRoute } from './contracts-route.ts';
import { cors, preflightFallback } from './cors.ts';
import { readApiRoutes } from './api-routes.ts';
import { createApiFront } from './api-front.ts';
import { createRpcProxy } from './rpc-proxy.ts';
import { answerProblem } from './answer-problem.ts';
import { swaggerUiRoute } from './swagger-ui.ts';
import { upstreamReadiness } from './upstream-readiness.ts';

const onError: ErrorRequestHandler = (err, req, res, _next) => {
  requestState(res).log.error({ err }, 'request failed in the gateway');
  if (res.headersSent) res.destroy();
  else answerProblem(req, res, 500, 'An unexpected error occurred in the gateway. Quote the request id when reporting it.');
};

/** The operation label of a request Express serves (the API front labels its own by service): a bounded set. */
function routeOf(path: string, infrastructure: ReadonlySet<string>): string {
  if (infrastructure.has(path)) return path;
  if (path.startsWith(`/${PlatformRpcService.typeName}/`)) return 'platform-service-rpc';
  if (path.startsWith('/docs')) return 'docs';
  if (path.startsWith('/contracts')) return 'contracts';
  return 'other';
}

export interface GatewayOptions {
  readonly config: Pick<
    GatewayConfig,
    'httpPort' | 'serviceUrls' | 'platformServiceGrpcUrl' | 'upstreamTimeout' | 'readinessTimeout' | 'drainTimeout' | 'contractsDir' | 'asyncapiHtmlDir'
  > &
    Partial<Pick<GatewayConfig, 'corsOrigins'>>;
  readonly logger: Logger;
}

/**
 * Reads the contracts, then listens on `config.httpPort` (0 picks a free port). Stop: stops
 * accepting, lets in-flight requests finish (up to the drain timeout), closes upstream connections.
 */
export type Gateway = Service<{ readonly url: string }>;

/**
 * The platform's front door. Routes like the Kubernetes ingress (path prefixes, paths unchanged) to
 * the service whose OpenAPI document declares the path (api-routes.ts: `/api/platforms` →
 * platform-service, `/api/c/platforms` → commands-service), and Connect and gRPC-Web calls
 * under `/platforms.v1.PlatformService/` → platform-service's gRPC listener. Serves Swagger UI at `/docs/`,
 * the AsyncAPI docs at `/docs/events/`, raw contracts at `/contracts/...`, `/healthz` and an
 * aggregated `/readyz`. Holds no domain logic.
 */
export function createGateway(options: GatewayOptions): Gateway {
  const { config, logger } = options;
  const routes = readApiRoutes(config.contractsDir);
  const upstreams = routes.map(({ service, prefixes }) => {
    const url = config.serviceUrls[service];
    if (url === undefined) throw new Error(`cannot create the gateway: no URL for ${service}, whose contract is in ${config.contractsDir}/openapi`);
    return { name: service, url, prefixes };
  });
  const telemetry = telemetryOf(logger);
  const corsOrigins = config.corsOrigins ?? [];
  // API requests are served on Node's request event, before Express (api-front.ts).
  const api = createApiFront({ routes: upstreams, timeout: config.upstreamTimeout, logger, telemetry, corsOrigins });
  const apiPrefixes = upstreams.flatMap((u) => u.prefixes);
  const rpc = { prefix: `/${PlatformRpcService.typeName}/`, proxy: createRpcProxy({ target: config.platformServiceGrpcUrl, name: 'platform-service', timeout: config.upstreamTimeout }) };
  let http: HttpListener | undefined;

  async function buildApp(): Promise<express.Express> {
    const contracts = await listContractFiles(config.contractsDir);
    const app = express();
    app.disable('x-powered-by');
    app.set('etag', false);
    // The edge of the platform for what Express serves (api-front.ts does the same for the APIs):
    // the caller's sane x-request-id or a new one, echoed, and one log line per request.
    const infrastructure = new Set([...Object.values(healthPaths), metricsPath]);
    const readiness = upstreamReadiness(upstreams, { timeout: config.readinessTimeout });
    telemetry.metrics?.observeReadiness(async () => readiness());
    // Every request Express serves passes the same steps first, as one Express layer (runtime/rest pipeline.ts).
    app.use(
      series([
        // originalUrl: at the end of a request a mounted route may have left `req.path` relative to its prefix.
        httpTelemetry(telemetry, (req) => routeOf(req.originalUrl.split('?', 1)[0] ?? '', infrastructure)),
        requestId(logger),
        accessLog({ quietPaths: infrastructure }),
        cors(corsOrigins),
      ]),
    );
    app.use(healthRoutes(readiness, () => http?.draining ?? false));
    app.use(metricsRoute(telemetry.metrics));
    // A browser's preflight of an RPC is the gateway's to answer: the gRPC listener knows no OPTIONS.
    app.use(rpc.prefix, preflightFallback(corsOrigins), rpc.proxy.handler);
    app.use(preflightFallback(corsOrigins));
    app.get('/', (_req, res) => res.redirect(302, '/docs/'));
    app.use(await swaggerUiRoute(contracts, { primary: 'platform-service' }));
    app.use(asyncapiDocsRoute(config.asyncapiHtmlDir));
    app.use(contractsRoute(contracts));
    app.use((req, res) => answerProblem(req, res, 404, `Nothing is served at ${req.path}; APIs live under ${apiPrefixes.join(', ')}, docs at /docs/.`));
    app.use(onError);
    return app;
  }

  return createService({
    name: 'gateway',
    logger,
    describe: ({ url }) => ({ url, docs: `${url}/docs/`, upstreams: [...upstreams.map(({ name, url: origin }) => ({ name, url: origin })), { name: 'platform-service gRPC', url: config.platformServiceGrpcUrl }] }),
    async start({ start }) {
      await start({ name: 'upstreams', start: () => {}, stop: () => [api, rpc.proxy].forEach((proxy) => proxy.close()) });
      const app = await start({ name: 'contracts', start: buildApp });
      const serve: RequestListener = (req, res) => {
        if (!api.serve(req, res)) app(req, res);
      };
      const listener = (http = createHttpListener(serve, { name: 'the gateway', drainTimeoutMs: config.drainTimeout, logger }));
      // Every request sent on an open connection is answered (runtime/http drain.ts), then upstream connections close.
      const { port } = await start({ name: 'http', start: () => listener.listen(config.httpPort), stop: () => listener.close() });
      return { url: `http://localhost:${port}` };
    },
  });
}
