/**
 * Gateway configuration, read once at start-up from the environment (the only input the
 * gateway takes, as in Kubernetes). Every setting has a local-development default.
 */
import { fileURLToPath } from 'node:url';
import { duration, nonEmptyString, oneOf, port, readConfig, url } from '@platform/runtime/config';
import type { Config, Env } from '@platform/runtime/config';
import { logLevels } from '@platform/runtime/logging';
import { readApiRoutes } from './api-routes.ts';
import { corsOrigins } from './cors.ts';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const upstreamProtocols = { protocols: ['http:', 'https:'] } as const;

export const gatewaySettings = {
  /** Port of the gateway's HTTP listener. */
  httpPort: port('HTTP_PORT', 8080),
  /** platform-service's gRPC listener (h2c); Connect and gRPC-Web calls under `/platforms.v1.PlatformService/` go there. */
  platformServiceGrpcUrl: url('PLATFORM_SERVICE_GRPC_URL', 'http://localhost:5001', { protocols: ['http:'] }),
  /** Longest silence from an upstream (no response headers, no body bytes) before 504 / abort. */
  upstreamTimeout: duration('UPSTREAM_TIMEOUT', '30s'),
  /** Time each upstream's /readyz may take inside the gateway's /readyz. */
  readinessTimeout: duration('READINESS_TIMEOUT', '2s'),
  /** How long stop() lets in-flight requests finish before cutting connections. */
  drainTimeout: duration('DRAIN_TIMEOUT', '10s'),
  /** Folder holding openapi/, asyncapi/ and proto/ (served under /contracts and /docs). */
  contractsDir: nonEmptyString('CONTRACTS_DIR', `${repositoryRoot}contracts`),
  /** Folder of the generated AsyncAPI HTML docs (served under /docs/events). */
  asyncapiHtmlDir: nonEmptyString('ASYNCAPI_HTML_DIR', `${repositoryRoot}gen/asyncapi/html`),
  /** Origins whose browser pages may call the gateway (CORS): comma-separated, or `*`; unset: none. */
  corsOrigins: corsOrigins('CORS_ORIGINS'),
  logLevel: oneOf('LOG_LEVEL', logLevels, 'info'),
  /** `auto`: human-readable on a terminal, JSON otherwise. */
  logFormat: oneOf('LOG_FORMAT', ['auto', 'json', 'pretty'], 'auto'),
};

export type GatewayConfig = Config<typeof gatewaySettings> & {
  /**
   * Origin of each service's REST listener, by service: one per OpenAPI document in
   * `CONTRACTS_DIR/openapi` (api-routes.ts), from `<SERVICE>_URL` (`PLATFORM_SERVICE_URL`), by
   * default the service's own entry in its contract's `servers`.
   */
  readonly serviceUrls: Readonly<Record<string, string>>;
};

/** Reads and validates the gateway's settings (throws AppError `invalid_config` naming every bad variable). */
export function loadConfig(env?: Env): GatewayConfig {
  // The contracts say which services there are, hence which upstream settings to read.
  const { contractsDir } = readConfig({ contractsDir: gatewaySettings.contractsDir }, env);
  const upstreams = Object.fromEntries(readApiRoutes(contractsDir).map((route) => [`upstream ${route.service}`, url(route.variable, route.localUrl, upstreamProtocols)]));
  const { ...all } = readConfig({ ...gatewaySettings, ...upstreams }, env) as Record<string, unknown>;
  const serviceUrls = Object.fromEntries(Object.keys(upstreams).map((key) => [key.slice('upstream '.length), all[key] as string]));
  for (const key of Object.keys(upstreams)) delete all[key];
  return Object.freeze({ ...(all as Config<typeof gatewaySettings>), serviceUrls: Object.freeze(serviceUrls) });
}
