import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { PlatformService } from '@platform/gen/proto/platforms/v1/platforms_pb.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService } from '../testing/service-fixture.ts';
import type { TestService } from '../testing/service-fixture.ts';

describe('PlatformService after updates and deletes', () => {
  let api: TestService;
  const kept = { first: 0, renamed: 0 };

  beforeAll(async () => {
    api = await startTestService();
    const ids: number[] = [];
    for (const name of ['first', 'renamed', 'deleted']) {
      const { data } = await api.client.POST('/api/platforms', { body: { name, publisher: 'p', cost: 'Free' } });
      ids.push(data!.id);
    }
    [kept.first, kept.renamed] = ids as [number, number];
    for (const name of ['renamed once', 'renamed twice']) {
      await api.client.PUT('/api/platforms/{id}', { params: { path: { id: kept.renamed } }, body: { name, publisher: 'p', cost: 'Free' } });
    }
    await api.client.DELETE('/api/platforms/{id}', { params: { path: { id: ids[2]! } } });
  });
  afterAll(() => api?.stop());

  const expected = () => [
    { id: kept.first, name: 'first', version: 1 },
    { id: kept.renamed, name: 'renamed twice', version: 3 },
  ];

  it('get-all-platforms-returns-the-existing-platforms-with-their-versions', async () => {
    const client = createClient(PlatformService, createGrpcTransport({ baseUrl: api.grpcUrl }));
    const { platforms } = await client.getAllPlatforms({});
    expect(platforms.map(({ id, name, version }) => ({ id, name, version }))).toEqual(expected());
  });

  it('stream-platforms-skips-deleted-platforms-and-carries-versions', async () => {
    const client = createClient(PlatformService, createGrpcTransport({ baseUrl: api.grpcUrl }));
    const streamed = [];
    for await (const { platforms } of client.streamPlatforms({ batchSize: 1 })) streamed.push(...platforms.map(({ id, name, version }) => ({ id, name, version })));
    expect(streamed).toEqual(expected());
  });
});
