/**
 * Old consumers against new providers, gRPC: a client built only from the released image's
 * descriptors (a registry of `contracts/released/proto.binpb`, dynamic messages, no generated
 * code) calls the current platform-service over gRPC (binary) and the Connect protocol (JSON,
 * as a Connect client may speak it).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createFileRegistry, type DescService } from '@bufbuild/protobuf';
import { createClient, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCurrentServices, type CurrentServices } from './current-services.ts';
import { readImage } from './descriptor-diff.ts';
import { contractsLayout, releasedNames } from './layout.ts';
import { repositoryRoot } from './test-support.ts';

/** The methods these tests call, as a dynamic client of the old descriptors exposes them. */
interface OldPlatformClient {
  getAllPlatforms(request: object): Promise<{ platforms: OldPlatform[] }>;
  streamPlatforms(request: object): AsyncIterable<{ platforms: OldPlatform[] }>;
}
interface OldPlatform {
  readonly id: number;
  readonly name: string;
  readonly publisher: string;
  readonly cost: string;
}

let services: CurrentServices | undefined;
let oldService: DescService;

beforeAll(async () => {
  const image = await readFile(join(contractsLayout(repositoryRoot).releasedDir, releasedNames.image));
  const registry = createFileRegistry(readImage(image));
  const service = registry.getService('platforms.v1.PlatformService');
  if (!service) throw new Error('the released image has no platforms.v1.PlatformService');
  oldService = service;
  services = await startCurrentServices();
}, 60_000);

afterAll(async () => {
  await services?.stop();
});

const transports: Record<string, () => Transport> = {
  'grpc (binary)': () => createGrpcTransport({ baseUrl: services?.platformGrpcUrl ?? '' }),
  'connect (json)': () => createConnectTransport({ baseUrl: services?.platformGrpcUrl ?? '', httpVersion: '2', useBinaryFormat: false }),
};

/** Only what the old descriptors define: the fields an old client can see. */
function plain(platform: OldPlatform): OldPlatform {
  return { id: platform.id, name: platform.name, publisher: platform.publisher, cost: platform.cost };
}

describe.each(Object.entries(transports))('old descriptors over %s', (_name, transport) => {
  it('get-all-platforms-returns-the-seeded-catalogue', async () => {
    const client = createClient(oldService, transport()) as unknown as OldPlatformClient;
    const response = await client.getAllPlatforms({});
    expect(response.platforms.map(plain)).toEqual(
      expect.arrayContaining([
        { id: expect.any(Number) as number, name: 'Dot Net', publisher: 'Microsoft', cost: 'Free' },
        { id: expect.any(Number) as number, name: 'Kubernetes', publisher: 'Cloud Native Computing Foundation', cost: 'Free' },
      ]),
    );
  });

  it('stream-platforms-sends-the-same-catalogue-in-batches-in-id-order', async () => {
    const client = createClient(oldService, transport()) as unknown as OldPlatformClient;
    const all = (await client.getAllPlatforms({})).platforms.map(plain);
    const batches: OldPlatform[][] = [];
    for await (const batch of client.streamPlatforms({ batchSize: 2, afterId: 0 })) batches.push(batch.platforms.map(plain));
    expect(batches.every((batch) => batch.length > 0 && batch.length <= 2)).toBe(true);
    expect(batches.flat()).toEqual(all.toSorted((a, b) => a.id - b.id));
  });
});
