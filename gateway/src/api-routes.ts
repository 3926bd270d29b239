/**
 * The API routes of the platform, derived from the OpenAPI documents: one upstream per document
 * `<contracts>/openapi/<service>.yaml`, reached at the path prefixes its paths declare. The gateway
 * routes by them and the Kubernetes ingress is checked against them (tools/deploy), so a new
 * service's API is routed by adding its contract.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** The address people use for the whole platform in development: the gateway's entry in each document's `servers`. */
export const gatewayServer = 'http://localhost:8080';

export interface ApiRoute {
  /** The service, named by its contract file (`platform-service`). */
  readonly service: string;
  /** Path prefixes routed to the service, each a whole-segment prefix (`/api/platforms`). */
  readonly prefixes: readonly string[];
  /** The service's own origin in local development: its entry in `servers` other than the gateway's. */
  readonly localUrl: string;
  /** The setting naming the service's origin (`PLATFORM_SERVICE_URL`). */
  readonly variable: string;
}

/**
 * The prefixes that route a document's paths: each path up to its first templated segment
 * (`/api/c/platforms/{platformId}/commands` gives `/api/c/platforms`), without those already
 * covered by a shorter one.
 */
export function routePrefixes(paths: readonly string[]): string[] {
  const fixed = paths.map((path) => {
    const segments = path.split('/').slice(1);
    const end = segments.findIndex((segment) => segment.includes('{'));
    return `/${(end === -1 ? segments : segments.slice(0, end)).join('/')}`;
  });
  return [...new Set(fixed)].filter((prefix) => !fixed.some((other) => other !== prefix && covers(other, prefix))).toSorted();
}

/** Whether requests to `path` go to the route `prefix` (Express and ingress `Prefix` semantics: whole segments). */
export function covers(prefix: string, path: string): boolean {
  return prefix === '/' || path === prefix || path.startsWith(`${prefix}/`);
}

/** The routes of one OpenAPI document. Throws a "cannot route ..." error when it gives none. */
export function apiRoute(service: string, document: { servers?: { url: string }[]; paths?: Record<string, unknown> }): ApiRoute {
  const own = (document.servers ?? []).filter((server) => server.url.replace(/\/+$/, '') !== gatewayServer);
  if (own.length !== 1 || own[0] === undefined) throw new Error(`cannot route ${service}: its contract must list exactly one server besides the gateway (${gatewayServer}), the service itself`);
  const prefixes = routePrefixes(Object.keys(document.paths ?? {}));
  if (prefixes.length === 0 || prefixes.includes('/')) throw new Error(`cannot route ${service}: its paths must start with a fixed segment such as /api/...`);
  return { service, prefixes, localUrl: own[0].url.replace(/\/+$/, ''), variable: `${service.toUpperCase().replaceAll('-', '_')}_URL` };
}

/**
 * Reads the routes of every `openapi/*.yaml` below `contractsDir`, once, at start-up. Throws when
 * two services claim overlapping prefixes: a request could not tell which one it is for.
 */
export function readApiRoutes(contractsDir: string): ApiRoute[] {
  const folder = join(contractsDir, 'openapi');
  const files = readdirSync(folder)
    .filter((name) => /^[\w-]+\.ya?ml$/.test(name))
    .toSorted();
  const routes = files.map((name) => apiRoute(name.replace(/\.ya?ml$/, ''), parse(readFileSync(join(folder, name), 'utf8')) as Parameters<typeof apiRoute>[1]));
  for (const route of routes) {
    for (const other of routes) {
      if (other === route) continue;
      for (const prefix of route.prefixes) {
        const clash = other.prefixes.find((candidate) => covers(prefix, candidate));
        if (clash !== undefined) throw new Error(`cannot route the APIs: ${route.service}'s ${prefix} overlaps ${other.service}'s ${clash}`);
      }
    }
  }
  return routes;
}
