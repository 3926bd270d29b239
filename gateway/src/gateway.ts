import express from 'express';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { PlatformService as PlatformRpcService } from '@platform/gen/proto/platforms/v1/platforms_pb.ts';
import { createHttpListener } from '@platform/runtime/http';
import type { HttpListener } from '@platform/runtime/http';
import { createService } from '@platform/runtime/lifecycle';
import type { Service } from '@platform/runtime/lifecycle';
import type { Logger } from '@platform/runtime/logging';
import { httpTelemetry, metricsPath, metricsRoute, telemetryOf } from '@platform/runtime/observability';
import { accessLog, exchangeRecording, healthPaths, healthRoutes, requestId, requestState, series } from '@platform/runtime/rest';
import { asyncapiDocsRoute } from './asyncapi-docs.ts';
import type { GatewayConfig } from './config.ts';
import { listContractFiles } from './contract-files.ts';
import { contractsRoute } from './contracts-route.ts';
import { cors, preflightFallback } from './cors.ts';
import { readApiRoutes } from './api-routes.ts';
import { answeredByUpstream, createProxy } from './proxy.ts';
import { createRpcProxy } from './rpc-proxy.ts';
import { answerProblem } from './answer-problem.ts';
import { swaggerUiRoute } from './swagger-ui.ts';
import { upstreamReadiness } from './upstream-readiness.ts';

const onError: ErrorRequestHandler = (err, req, res, _next) => {
  requestState(res).log.error({ err }, 'request failed in the gateway');
  if (res.headersSent) res.destroy();
  else answerProblem(req, res, 500, 'An unexpected error occurred in the gateway. Quote the request id when reporting it.');
};

/** The gateway's operation label of a request: where it went (a bounded set). */
function routeOf(path: string, infrastructure: ReadonlySet<string>, api: (path: string) => { readonly name: string } | undefined): string {
  if (infrastructure.has(path)) return path;
  const service = api(path)?.name;
  if (service !== undefined) return service;
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
  const proxies = upstreams.map((u) => ({ ...u, proxy: createProxy({ target: u.url, name: u.name, timeout: config.upstreamTimeout }) }));
  const apiPrefixes = upstreams.flatMap((u) => u.prefixes);
  const rpc = { prefix: `/${PlatformRpcService.typeName}/`, proxy: createRpcProxy({ target: config.platformServiceGrpcUrl, name: 'platform-service', timeout: config.upstreamTimeout }) };
  const corsOrigins = config.corsOrigins ?? [];
  let http: HttpListener | undefined;

  async function buildApp(): Promise<express.Express> {
    const contracts = await listContractFiles(config.contractsDir);
    const app = express();
    app.disable('x-powered-by');
    app.set('etag', false);
    // The edge of the platform: the caller's sane x-request-id or a new one (the proxy passes it
    // upstream), echoed, and one log line per request, as every REST server of the platform does.
    const infrastructure = new Set([...Object.values(healthPaths), metricsPath]);
    const readiness = upstreamReadiness(upstreams, { timeout: config.readinessTimeout });
    const telemetry = telemetryOf(logger);
    telemetry.metrics?.observeReadiness(async () => readiness());
    // originalUrl: at the end of a request a mounted proxy has left `req.path` relative to its prefix.
    // Every request passes the same steps first, as one Express layer (runtime/rest pipeline.ts):
    // telemetry, request id, access log, CORS; an API request then goes straight to its proxy
    // (a whole-segment prefix, matched as Express mounts matched it: any case, raw path).
    const apis = proxies.flatMap(({ name, prefixes, proxy }) => {
      // The gateway's own answers on an API path (502, 504) are checked against that API's contract in tests.
      const steps = series([exchangeRecording({ contract: `contracts/openapi/${name}.yaml`, by: 'gateway', skip: (_req, res) => answeredByUpstream(res) }), proxy.handler]);
      return prefixes.map((prefix) => ({ name, prefix: prefix.toLowerCase(), steps }));
    });
    const apiOf = (path: string): { readonly name: string; readonly steps: RequestHandler } | undefined => {
      const lower = path.toLowerCase();
      return apis.find(({ prefix }) => lower.startsWith(prefix) && (lower.length === prefix.length || lower[prefix.length] === '/'));
    };
    app.use(
      series([
        // originalUrl: at the end of a request a mounted route may have left `req.path` relative to its prefix.
        httpTelemetry(telemetry, (req) => routeOf(req.originalUrl.split('?', 1)[0] ?? '', infrastructure, apiOf)),
        requestId(logger),
        accessLog({ quietPaths: infrastructure }),
        cors(corsOrigins),
        (req, res, next) => {
          const api = apiOf(req.path);
          if (api === undefined) next();
          else api.steps(req, res, next);
        },
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
      await start({ name: 'upstreams', start: () => {}, stop: () => [...proxies, rpc].forEach(({ proxy }) => proxy.close()) });
      const app = await start({ name: 'contracts', start: buildApp });
      const listener = (http = createHttpListener(app, { name: 'the gateway', drainTimeoutMs: config.drainTimeout, logger }));
      // Every request sent on an open connection is answered (runtime/http drain.ts), then upstream connections close.
      const { port } = await start({ name: 'http', start: () => listener.listen(config.httpPort), stop: () => listener.close() });
      return { url: `http://localhost:${port}` };
    },
  });
}
