/**
 * Replicas starting together (issue 13 item 7): two platform-service instances started at the same
 * moment on one empty PostgreSQL database both become ready, and serve the same catalogue. That the
 * schema is created once is runtime/src/db/ensure-schema.test.ts.
 */
import { createTemporaryPostgresDatabase } from '@platform/runtime/db/testing';
import type { TemporaryDatabase } from '@platform/runtime/db/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestService } from './testing/service-fixture.ts';
import type { TestService } from './testing/service-fixture.ts';

describe('two platform-service replicas on one empty PostgreSQL database', () => {
  let database: TemporaryDatabase | undefined;
  const replicas: TestService[] = [];
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await database?.drop();
  });

  it('both-start-ready-and-share-the-catalogue', async () => {
    database = await createTemporaryPostgresDatabase({ prefix: 'replicas' });
    const config = { driver: 'postgresql' as const, url: database.url };
    replicas.push(...(await Promise.all([startTestService({ database: config }), startTestService({ database: config })])));
    const [first, second] = replicas as [TestService, TestService];
    expect((await first.readyz()).status).toBe(200);
    expect((await second.readyz()).status).toBe(200);
    const created = await first.client.POST('/api/platforms', { body: { name: 'Shared', publisher: 'Both', cost: 'Free' } });
    expect(created.response.status).toBe(201);
    expect((await second.client.GET('/api/platforms')).data).toEqual([created.data]);
  });
});
