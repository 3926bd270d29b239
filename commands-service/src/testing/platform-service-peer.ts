import { createServer } from 'node:net';
import { ConnectError, Code } from '@connectrpc/connect';
import { PlatformService, type StreamPlatformsRequest } from '@platform/gen/proto/platforms/v1/platforms_pb.ts';
import { createGrpcServer, type GrpcServer } from '@platform/runtime/grpc';
import { silentLogger } from './logs.ts';

/* A stand-in for platform-service in tests: the generated PlatformService served by createGrpcServer. */

export interface CatalogueEntry {
  readonly id: number;
  readonly name: string;
  readonly publisher: string;
  readonly cost: string;
  /** Default 1. */
  readonly version?: number;
}

export interface PlatformServicePeerOptions {
  /** The catalogue, in any order; served in ascending id order. */
  readonly catalogue: readonly CatalogueEntry[];
  /** Port to listen on; 0 picks one. Default 0. */
  readonly port?: number;
  /** Fails the stream with UNAVAILABLE after this many batches of the first call. Default: never. */
  readonly failFirstCallAfterBatches?: number;
  /** Awaited before each batch is sent (index from 0, per call), to act while a stream is open. Default: nothing. */
  readonly beforeBatch?: (index: number) => Promise<void>;
}

export interface PlatformServicePeer {
  readonly url: string;
  /** Every StreamPlatforms request received, in order. */
  readonly streamRequests: StreamPlatformsRequest[];
  close(): Promise<void>;
}

export async function startPlatformServicePeer(options: PlatformServicePeerOptions): Promise<PlatformServicePeer> {
  const sorted = options.catalogue.map((entry) => ({ version: 1, ...entry })).toSorted((a, b) => a.id - b.id);
  const streamRequests: StreamPlatformsRequest[] = [];
  const server: GrpcServer = createGrpcServer({
    port: options.port ?? 0,
    host: '127.0.0.1',
    logger: silentLogger(),
    shutdownTimeoutMs: 500,
    routes(router) {
      router.service(PlatformService, {
        async getAllPlatforms() {
          return { platforms: sorted };
        },
        async *streamPlatforms(request) {
          streamRequests.push(request);
          const batchSize = Math.min(request.batchSize || 500, 5000);
          const rest = sorted.filter((platform) => platform.id > request.afterId);
          for (let start = 0, sent = 0; start < rest.length; start += batchSize, sent++) {
            if (streamRequests.length === 1 && sent === options.failFirstCallAfterBatches) throw new ConnectError('peer failed mid-stream', Code.Unavailable);
            await options.beforeBatch?.(sent);
            yield { platforms: rest.slice(start, start + batchSize) };
          }
        },
      });
    },
  });
  const { url } = await server.listen();
  return { url, streamRequests, close: () => server.close() };
}

/** A local port nothing listens on (free a moment ago): the address of a peer that is down. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** `count` catalogue entries with ids 1..count. */
export function catalogueOf(count: number): CatalogueEntry[] {
  return Array.from({ length: count }, (_, index) => ({ id: index + 1, name: `platform ${index + 1}`, publisher: 'Example', cost: 'Free' }));
}
