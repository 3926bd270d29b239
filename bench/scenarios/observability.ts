/**
 * What observability costs platform-service, by server CPU per request:
 * - `observability-metrics-*`: the default (Prometheus metrics on, tracing off: no OTLP endpoint)
 *   against METRICS_ENABLED=false (no metrics, no tracing: no observability middleware at all).
 *   The ratio bounds both the metrics' cost and that of tracing when off (one `undefined` check per
 *   hook), which the default includes.
 * - `observability-tracing-*`: tracing on (OTLP/HTTP to a sink in the bench process, whose CPU is
 *   not charged) against off, metrics on for both: what turning it on costs.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { newPlatform, platformDatabase } from '../harness/fixtures.ts';
import { benchIssuer } from '../harness/issuer.ts';
import { httpLoad } from '../harness/load-http.ts';
import { startPlatformService } from '../harness/parts.ts';
import type { BenchSettings, Contender, RatioScenario } from '../harness/scenario.ts';
import { profileFlags, restCatalogueRows } from './rest.ts';

interface Operation {
  readonly key: string;
  readonly label: string;
  readonly post: boolean;
  readonly path: string;
}

const operations: readonly Operation[] = [
  { key: 'get-by-id', label: 'GET /api/platforms/{id}', post: false, path: '/api/platforms/42' },
  { key: 'create', label: 'POST /api/platforms', post: true, path: '/api/platforms' },
];

/** Answers every OTLP export with 200 and drops it: a collector that costs the services nothing. */
async function startSink(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function contender(settings: BenchSettings, name: string, url: string, operation: Operation, pid: number): Promise<Contender> {
  const request = operation.post
    ? { url: url + operation.path, method: 'POST' as const, headers: { 'content-type': 'application/json', authorization: (await benchIssuer()).authorization }, body: JSON.stringify(newPlatform) }
    : { url: url + operation.path };
  return { name, pids: [pid], measure: (durationSeconds) => httpLoad({ ...request, connections: settings.connections, durationSeconds }) };
}

function scenario(kind: 'metrics' | 'tracing', operation: Operation): RatioScenario {
  const metrics = kind === 'metrics';
  return {
    id: `observability-${kind}-${operation.key}`,
    title: metrics
      ? `${operation.label}: platform-service with metrics (tracing off) vs neither`
      : `${operation.label}: platform-service with tracing exported over OTLP vs tracing off`,
    unit: 'req',
    budget: metrics ? 0.9 : 0.6,
    async setup(settings) {
      const sink = metrics ? undefined : await startSink();
      const database = async (side: string): Promise<string> => platformDatabase(`observability-${kind}-${operation.key}-${side}`, restCatalogueRows);
      const oursEnv: Record<string, string> = sink ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } : {};
      const baselineEnv: Record<string, string> = metrics ? { METRICS_ENABLED: 'false' } : {};
      const ours = await startPlatformService(await database('ours'), { ...profileFlags(settings, `observability-${kind}-${operation.key}`), env: oursEnv });
      const baseline = await startPlatformService(await database('baseline'), { env: baselineEnv }).catch(async (error: unknown) => {
        await ours.process.stop();
        throw error;
      });
      const stop = async (): Promise<void> => {
        await Promise.all([ours.process.stop(), baseline.process.stop()]);
        await sink?.close();
      };
      return {
        ours: await contender(settings, metrics ? 'metrics on, tracing off' : 'tracing on (OTLP)', ours.restUrl, operation, ours.process.pid),
        baseline: await contender(settings, metrics ? 'metrics and tracing off' : 'tracing off', baseline.restUrl, operation, baseline.process.pid),
        stop,
      };
    },
  };
}

export const observabilityScenarios: readonly RatioScenario[] = [
  ...operations.map((operation) => scenario('metrics', operation)),
  ...operations.map((operation) => scenario('tracing', operation)),
];
