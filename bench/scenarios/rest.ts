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
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The path of the comparison call (and of every request, unless `eachOnce`). */
  readonly path: string;
  /** Status both sides must answer. */
  readonly status: number;
  /** Each request on a platform of its own (`/api/platforms/<n>`, n counting up): a delete succeeds once. */
  readonly eachOnce?: boolean;
  /** Through the gateway too (issue 18: the GET and POST lines). */
  readonly viaGateway: boolean;
}

const operations: readonly Operation[] = [
  { key: 'get-by-id', label: 'GET /api/platforms/{id}', method: 'GET', path: '/api/platforms/42', status: 200, viaGateway: true },
  { key: 'list', label: `GET /api/platforms (${restCatalogueRows} rows)`, method: 'GET', path: '/api/platforms', status: 200, viaGateway: true },
  { key: 'create', label: 'POST /api/platforms', method: 'POST', path: '/api/platforms', status: 201, viaGateway: true },
  { key: 'update', label: 'PUT /api/platforms/{id}', method: 'PUT', path: '/api/platforms/42', status: 200, viaGateway: false },
  // The comparison call deletes platform 1; the load deletes 2, 3, ... (see sequenceBlock).
  { key: 'delete', label: 'DELETE /api/platforms/{id}', method: 'DELETE', path: '/api/platforms/1', status: 204, eachOnce: true, viaGateway: false },
];

/** A write changes the database: each contender gets its own copy of the same rows. */
const writes = (operation: Operation): boolean => operation.method !== 'GET';
const hasBody = (operation: Operation): boolean => operation.method === 'POST' || operation.method === 'PUT';

/** Platforms one load run of a delete may use: more than any run on this machine deletes. */
function sequenceBlock(settings: BenchSettings): number {
  return 12_000 * (Math.max(settings.durationSeconds, settings.warmupSeconds) + 1);
}

/** Rows of a scenario's catalogue: enough for every run of a delete (warm-up and rounds). */
function catalogueRows(settings: BenchSettings, operation: Operation): number {
  return operation.eachOnce ? 1 + (settings.rounds + 1) * sequenceBlock(settings) : restCatalogueRows;
}

/** Node flags that write a CPU profile of our processes when profiling is on. */
export function profileFlags(settings: BenchSettings, name: string): { nodeFlags?: readonly string[] } {
  return settings.profileDir ? { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${settings.profileDir}/${name}`] } : {};
}

/** A write carries the run's token (bare Express ignores it; ours verifies it, as production does). */
async function requestOf(operation: Operation): Promise<{ method: Operation['method']; headers?: Record<string, string>; body?: string }> {
  if (!writes(operation)) return { method: operation.method };
  const authorization = (await benchIssuer()).authorization;
  if (!hasBody(operation)) return { method: operation.method, headers: { authorization } };
  return { method: operation.method, headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify(newPlatform) };
}

async function load(settings: BenchSettings, baseUrl: string, operation: Operation): Promise<(durationSeconds: number) => ReturnType<typeof httpLoad>> {
  const request: Omit<HttpLoad, 'durationSeconds'> = { url: baseUrl + operation.path, ...(await requestOf(operation)), connections: settings.connections };
  if (!operation.eachOnce) return (durationSeconds) => httpLoad({ ...request, durationSeconds });
  const block = sequenceBlock(settings);
  let first = 2;
  return (durationSeconds) => {
    const pathSequence = { prefix: '/api/platforms/', first };
    first += block;
    return httpLoad({ ...request, durationSeconds, pathSequence });
  };
}

/** Both answer the same status, ETag and body (a create's id aside): the comparison is like for like. */
async function checkSameAnswers(operation: Operation, oursUrl: string, baselineUrl: string): Promise<void> {
  const call = async (base: string): Promise<{ status: number; etag: string | null; body: unknown }> => {
    const response = await fetch(base + operation.path, await requestOf(operation));
    const text = await response.text();
    return { status: response.status, etag: response.headers.get('etag'), body: text === '' ? undefined : JSON.parse(text) };
  };
  const [ours, baseline] = [await call(oursUrl), await call(baselineUrl)];
  const expected = operation.status;
  if (ours.status !== expected || baseline.status !== expected) {
    throw new Error(`cannot compare ${operation.label}: statuses ${ours.status} (ours) and ${baseline.status} (baseline), expected ${expected}`);
  }
  if (ours.etag !== baseline.etag) throw new Error(`cannot compare ${operation.label}: ETags ${ours.etag} (ours) and ${baseline.etag} (baseline)`);
  if (operation.method !== 'POST' && !isDeepStrictEqual(ours.body, baseline.body)) {
    throw new Error(`cannot compare ${operation.label}: the bodies differ\nours: ${JSON.stringify(ours.body).slice(0, 300)}\nbaseline: ${JSON.stringify(baseline.body).slice(0, 300)}`);
  }
}

/** platform-service against bare Express 5 + node:sqlite on the same rows. */
function serviceScenario(operation: Operation): RatioScenario {
  const write = writes(operation);
  return {
    id: `rest-${operation.key}`,
    title: `${operation.label}: platform-service vs bare Express 5${write ? ' (row + outbox row, one transaction)' : ''}`,
    unit: 'req',
    budget: write ? 0.5 : 0.8,
    async setup(settings) {
      const rows = catalogueRows(settings, operation);
      const oursDb = await platformDatabase(write ? `rest-${operation.key}-ours` : `rest-${operation.key}`, rows);
      const baselineDb = write ? await platformDatabase(`rest-${operation.key}-baseline`, rows) : oursDb;
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
    budget: 0.7,
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

/**
 * The run's own noise (A/A): GET by id on platform-service against a second, identical
 * platform-service (same build, settings and rows), loaded and alternated as every line is. Both
 * sides do the same work, so its rounds show how far two identical processes drift within one
 * round on this machine, and its median how far the median of the rounds does: a line whose
 * median sits closer than that to its budget is a verdict of the machine as much as of the code.
 * No budget.
 */
export const noiseScenario: RatioScenario = {
  id: 'aa-get-by-id',
  title: 'A/A: GET /api/platforms/{id}, platform-service vs an identical platform-service (the run\'s own noise)',
  unit: 'req',
  budget: 0,
  budgetText: 'none (A/A)',
  async setup(settings) {
    const operation = operations.find((candidate) => candidate.key === 'get-by-id')!;
    const db = await platformDatabase('aa-get-by-id', restCatalogueRows);
    const one = await startPlatformService(db);
    const other = await startPlatformService(db).catch(async (error: unknown) => {
      await one.process.stop();
      throw error;
    });
    const stop = async (): Promise<void> => void (await Promise.all([one.process.stop(), other.process.stop()]));
    const ours: Contender = { name: 'platform-service', pids: [one.process.pid], measure: await load(settings, one.restUrl, operation) };
    const baseline: Contender = { name: 'the same, a second process', pids: [other.process.pid], measure: await load(settings, other.restUrl, operation) };
    return { ours, baseline, stop };
  },
};

export const restScenarios: readonly RatioScenario[] = operations.map(serviceScenario);
export const gatewayScenarios: readonly RatioScenario[] = operations.filter((operation) => operation.viaGateway).map(gatewayScenario);
