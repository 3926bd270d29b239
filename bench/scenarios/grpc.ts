/**
 * gRPC scenarios: platform-service's Connect server against a `@grpc/grpc-js` server serving
 * the same rows, both loaded by h2load (a C client; Node clients saturate first).
 */
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { PlatformService } from '@platform/gen/proto/platforms/v1/platforms_pb.ts';
import { platformDatabase } from '../harness/fixtures.ts';
import { grpcLoad, h2loadMissing, hasH2load } from '../harness/load-grpc.ts';
import { builtServer, startPlatformService } from '../harness/parts.ts';
import { freePort, startNode, waitForPort } from '../harness/processes.ts';
import type { Contender, RatioScenario } from '../harness/scenario.ts';
import { profileFlags } from './rest.ts';

/** Rows GetAllPlatforms returns in its scenario. */
export const unaryCatalogueRows = 100;

const method = (name: string): string => `/platforms.v1.PlatformService/${name}`;

/** Rows of GetAllPlatforms and of a whole StreamPlatforms. */
async function countRows(baseUrl: string): Promise<[number, number]> {
  const client = createClient(PlatformService, createGrpcTransport({ baseUrl }));
  const unary = (await client.getAllPlatforms({})).platforms.length;
  let streamed = 0;
  for await (const response of client.streamPlatforms({})) streamed += response.platforms.length;
  return [unary, streamed];
}

/** Both servers answer the same rows, so their response bytes are comparable. */
async function checkSameRows(oursUrl: string, baselineUrl: string, rows: number): Promise<void> {
  const [ours, baseline] = [await countRows(oursUrl), await countRows(baselineUrl)];
  if (ours.join() !== `${rows},${rows}` || baseline.join() !== `${rows},${rows}`) {
    throw new Error(`cannot compare: expected ${rows} rows from both (unary, stream), got ours ${ours.join()} and baseline ${baseline.join()}`);
  }
}

function grpcScenario(options: { id: string; title: string; rpc: string; rows: (catalogue: number) => number; streaming: boolean; budget: number }): RatioScenario {
  return {
    id: options.id,
    title: options.title,
    unit: 'call',
    budget: options.budget,
    async setup(settings) {
      if (!hasH2load) throw new Error(h2loadMissing);
      const rows = options.rows(settings.largeCatalogue);
      const db = await platformDatabase(options.id, rows);
      const service = await startPlatformService(db, profileFlags(settings, `platform-service-${options.id}`));
      const port = await freePort();
      const baselineProcess = startNode({ name: 'grpc-js', script: await builtServer('grpc-js'), args: [String(port), db] });
      const baselineUrl = `http://127.0.0.1:${port}`;
      const stop = async (): Promise<void> => void (await Promise.all([service.process.stop(), baselineProcess.stop()]));
      try {
        await waitForPort(port, baselineProcess);
        await checkSameRows(service.grpcUrl, baselineUrl, rows);
      } catch (error) {
        await stop();
        throw error;
      }
      const contender = (name: string, pid: number, baseUrl: string): Contender => ({
        name,
        pids: [pid],
        async measure(durationSeconds) {
          const shape = options.streaming
            ? { clients: 2, streams: 1, calls: Math.max(2, durationSeconds) }
            : { clients: Math.max(1, settings.connections / 4), streams: 4, durationSeconds };
          const result = await grpcLoad({ url: baseUrl + method(options.rpc), request: new Uint8Array(), ...shape });
          return { ...result, extra: { dataBytesPerCall: result.dataBytesPerCall, rowsPerSecond: Math.round(result.rps * rows) } };
        },
      });
      return {
        ours: contender('platform-service (connect-node)', service.process.pid, service.grpcUrl),
        baseline: contender('@grpc/grpc-js + node:sqlite', baselineProcess.pid, baselineUrl),
        stop,
      };
    },
  };
}

export const grpcScenarios: readonly RatioScenario[] = [
  grpcScenario({
    id: 'grpc-get-all',
    title: `gRPC GetAllPlatforms (${unaryCatalogueRows} rows): platform-service vs @grpc/grpc-js`,
    rpc: 'GetAllPlatforms',
    rows: () => unaryCatalogueRows,
    streaming: false,
    budget: 0.8,
  }),
  grpcScenario({
    id: 'grpc-stream',
    title: 'gRPC StreamPlatforms (100k rows, batches of 500): platform-service vs @grpc/grpc-js',
    rpc: 'StreamPlatforms',
    rows: (catalogue) => catalogue,
    streaming: true,
    budget: 0.9,
  }),
];
