import { Code, ConnectError, createClient, createRouterTransport } from '@connectrpc/connect';
import { Health } from '../generated/grpc/health/v1/health_pb.ts';
import { describe, expect, it } from 'vitest';
import { createHealth, ServingStatus } from './health.ts';
import type { HealthRegistry } from './health.ts';

function clientFor(health: HealthRegistry) {
  return createClient(
    Health,
    createRouterTransport((router) => router.service(Health, health.service)),
  );
}

describe('health', () => {
  it('answers-check-with-the-status-that-was-set', async () => {
    const health = createHealth({ '': ServingStatus.SERVING });
    health.setStatus('platforms.v1.PlatformService', ServingStatus.NOT_SERVING);
    const client = clientFor(health);
    expect((await client.check({ service: '' })).status).toBe(ServingStatus.SERVING);
    expect((await client.check({ service: 'platforms.v1.PlatformService' })).status).toBe(ServingStatus.NOT_SERVING);
  });

  it('answers-not-found-for-a-service-never-set', async () => {
    const error = await clientFor(createHealth()).check({ service: 'nope.v1.Nope' }).catch((e: unknown) => e);
    expect(ConnectError.from(error).code).toBe(Code.NotFound);
  });

  it('streams-each-change-to-watchers-and-ends-them-on-shutdown', async () => {
    const health = createHealth();
    const client = clientFor(health);
    const seen: ServingStatus[] = [];
    for await (const response of client.watch({ service: 'a.v1.A' })) {
      seen.push(response.status);
      // Drive the next change only once the previous one arrived: no timing assumptions.
      if (seen.length === 1) health.setStatus('a.v1.A', ServingStatus.SERVING);
      if (seen.length === 2) health.setStatus('a.v1.A', ServingStatus.SERVING); // unchanged: not sent again
      if (seen.length === 2) health.setStatus('a.v1.A', ServingStatus.NOT_SERVING);
      if (seen.length === 3) health.shutdown();
    }
    expect(seen).toEqual([ServingStatus.SERVICE_UNKNOWN, ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
  });

  it('keeps-every-service-not-serving-after-shutdown', async () => {
    const health = createHealth({ '': ServingStatus.SERVING });
    health.shutdown();
    health.setStatus('', ServingStatus.SERVING);
    const client = clientFor(health);
    expect((await client.check({ service: '' })).status).toBe(ServingStatus.NOT_SERVING);
    const list = await client.list({});
    expect(Object.fromEntries(Object.entries(list.statuses).map(([name, r]) => [name, r.status]))).toEqual({ '': ServingStatus.NOT_SERVING });
  });
});
