import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../testing/logs.ts';
import { startPlatformServicePeer, type PlatformServicePeer } from '../testing/platform-service-peer.ts';
import { catalogueService, connectPlatformService, type PlatformServiceConnection } from './platform-service-client.ts';

describe('the platform-service client of the start-up sync', () => {
  let peer: PlatformServicePeer | undefined;
  let connection: PlatformServiceConnection | undefined;

  afterEach(async () => {
    connection?.close();
    await peer?.close();
    peer = connection = undefined;
  });

  it('calls-the-contracts-stream-platforms-and-decodes-only-the-fields-the-copy-keeps', async () => {
    peer = await startPlatformServicePeer({ catalogue: [{ id: 7, name: 'Dot Net', publisher: 'Microsoft', cost: 'Free', version: 3 }, { id: 9, name: 'Kubernetes', publisher: 'CNCF', cost: 'Free' }] });
    connection = connectPlatformService(peer.url, silentLogger());
    const batches = [];
    for await (const { platforms } of connection.client.streamPlatforms({ batchSize: 1 })) batches.push(platforms);
    // Plain objects with exactly these keys: no publisher, no cost, no unknown fields kept.
    expect(batches.map((platforms) => platforms.map((platform) => ({ ...platform })))).toEqual([
      [{ $typeName: 'platforms.v1.Platform', id: 7, name: 'Dot Net', version: 3 }],
      [{ $typeName: 'platforms.v1.Platform', id: 9, name: 'Kubernetes', version: 1 }],
    ]);
    expect(peer.streamRequests.map(({ batchSize }) => batchSize)).toEqual([1]);
  });

  it('is-the-contracts-service-with-platform-cut-to-id-name-and-version', () => {
    const service = catalogueService();
    expect(service.typeName).toBe('platforms.v1.PlatformService');
    const method = service.method.streamPlatforms;
    expect(method.name).toBe('StreamPlatforms');
    expect(method.methodKind).toBe('server_streaming');
    const platform = method.output.fields[0]?.message;
    expect(platform?.typeName).toBe('platforms.v1.Platform');
    expect(platform?.fields.map(({ name, number }) => ({ name, number }))).toEqual([
      { name: 'id', number: 1 },
      { name: 'name', number: 2 },
      { name: 'version', number: 5 },
    ]);
  });
});
