/**
 * REST scenarios: platform-service (production settings) against a bare Express 5 route on the
 * same rows, and the gateway in front of platform-service against calling it directly.
 */
import { isDeepStrictEqual } from 'node:util';
import { newPlatform, platformDatabase } from '../harness/fixtures.ts';
import { benchIssuer } from '../harness/issuer.ts';
import { httpLoad } from '../harness/load-http.ts';
import type { HttpLoad } from '../harness/load-http.ts';
import { startBareExpress, startGateway, startPlatformService } from '../harness/parts.ts';
import type { BenchSettings, Contender, RatioScenario } from '../harness/scenario.ts';

/** Rows in the catalogue of the REST scenarios (GET /api/platforms returns all of them). */
export const restCatalogueRows = 100;

interface Operation {
  readonly key: string;
  readonly label: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
}

const operations: readonly Operation[] = [
  { key: 'get-by-id', label: 'GET /api/platforms/{id}', method: 'GET', path: '/api/platforms/42' },
  { key: 'list', label: `GET /api/platforms (${restCatalogueRows} rows)`, method: 'GET', path: '/api/platforms' },
  { key: 'create', label: 'POST /api/platforms', method: 'POST', path: '/api/platforms' },
];

/** Node flags that write a CPU profile of our processes when profiling is on. */
export function profileFlags(settings: BenchSettings, name: string): { nodeFlags?: readonly string[] } {
  return settings.profileDir ? { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${settings.profileDir}/${name}`] } : {};
}

/** A create carries the run's token (bare Express ignores it; ours verifies it, as production does). */
async function postHeaders(): Promise<Record<string, string>> {
  return { 'content-type': 'application/json', authorization: (await benchIssuer()).authorization };
}

async function load(settings: BenchSettings, baseUrl: string, operation: Operation): Promise<(durationSeconds: number) => ReturnType<typeof httpLoad>> {
  const request: Omit<HttpLoad, 'durationSeconds'> =
    operation.method === 'POST'
      ? { url: baseUrl + operation.path, method: 'POST', headers: await postHeaders(), body: JSON.stringify(newPlatform), connections: settings.connections }
      : { url: baseUrl + operation.path, connections: settings.connections };
  return (durationSeconds) => httpLoad({ ...request, durationSeconds });
}

/** Both answer the same body for a GET, and a 201 for a POST: the comparison is like for like. */
async function checkSameAnswers(operation: Operation, oursUrl: string, baselineUrl: string): Promise<void> {
  const call = async (base: string): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(base + operation.path, {
      method: operation.method,
      ...(operation.method === 'POST' ? { headers: await postHeaders(), body: JSON.stringify(newPlatform) } : {}),
    });
    return { status: response.status, body: await response.json() };
  };
  const [ours, baseline] = [await call(oursUrl), await call(baselineUrl)];
  const expected = operation.method === 'POST' ? 201 : 200;
  if (ours.status !== expected || baseline.status !== expected) {
    throw new Error(`cannot compare ${operation.label}: statuses ${ours.status} (ours) and ${baseline.status} (baseline), expected ${expected}`);
  }
  if (operation.method === 'GET' && !isDeepStrictEqual(ours.body, baseline.body)) {
    throw new Error(`cannot compare ${operation.label}: the bodies differ\nours: ${JSON.stringify(ours.body).slice(0, 300)}\nbaseline: ${JSON.stringify(baseline.body).slice(0, 300)}`);
  }
}

/** platform-service against bare Express 5 + node:sqlite on the same rows. */
function serviceScenario(operation: Operation): RatioScenario {
  const post = operation.method === 'POST';
  return {
    id: `rest-${operation.key}`,
    title: `${operation.label}: platform-service vs bare Express 5`,
    unit: 'req',
    budget: post ? 0.5 : 0.8,
    async setup(settings) {
      // A create grows its database: each contender gets its own copy of the same rows.
      const oursDb = await platformDatabase(post ? `rest-${operation.key}-ours` : `rest-${operation.key}`, restCatalogueRows);
      const baselineDb = post ? await platformDatabase(`rest-${operation.key}-baseline`, restCatalogueRows) : oursDb;
      const service = await startPlatformService(oursDb, profileFlags(settings, `platform-service-${operation.key}`));
      const bare = await startBareExpress(baselineDb).catch(async (error: unknown) => {
        await service.process.stop();
        throw error;
      });
      const stop = async (): Promise<void> => void (await Promise.all([service.process.stop(), bare.process.stop()]));
      try {
        await checkSameAnswers(operation, service.restUrl, bare.url);
      } catch (error) {
        await stop();
        throw error;
      }
      const ours: Contender = { name: 'platform-service', pids: [service.process.pid], measure: await load(settings, service.restUrl, operation) };
      const baseline: Contender = { name: 'bare Express 5 + node:sqlite', pids: [bare.process.pid], measure: await load(settings, bare.url, operation) };
      return { ours, baseline, stop };
    },
  };
}

/** Through the gateway against platform-service directly (the same service process). */
function gatewayScenario(operation: Operation): RatioScenario {
  return {
    id: `gateway-${operation.key}`,
    title: `${operation.label}: through the gateway vs direct`,
    unit: 'req',
    budget: 0.6,
    async setup(settings) {
      const db = await platformDatabase(`gateway-${operation.key}`, restCatalogueRows);
      const service = await startPlatformService(db);
      const gateway = await startGateway(service.restUrl, undefined, profileFlags(settings, `gateway-${operation.key}`)).catch(async (error: unknown) => {
        await service.process.stop();
        throw error;
      });
      const stop = async (): Promise<void> => {
        await gateway.process.stop();
        await service.process.stop();
      };
      try {
        await checkSameAnswers(operation, gateway.url, service.restUrl);
      } catch (error) {
        await stop();
        throw error;
      }
      const ours: Contender = { name: 'gateway → platform-service', pids: [gateway.process.pid, service.process.pid], measure: await load(settings, gateway.url, operation) };
      const baseline: Contender = { name: 'platform-service direct', pids: [service.process.pid], measure: await load(settings, service.restUrl, operation) };
      return { ours, baseline, stop };
    },
  };
}

export const restScenarios: readonly RatioScenario[] = operations.map(serviceScenario);
export const gatewayScenarios: readonly RatioScenario[] = operations.map(gatewayScenario);
