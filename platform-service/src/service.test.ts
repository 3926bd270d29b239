import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { GetAllPlatformsRequestSchema, PlatformService } from '@platform/gen/proto/platforms/v1/platforms_pb.ts';
import type { GetAllPlatformsRequest } from '@platform/gen/proto/platforms/v1/platforms_pb.ts';
import { createTemporaryPostgresDatabase } from '@platform/runtime/db/testing';
import { createLogger } from '@platform/runtime/logging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseLocation as DatabaseConfig } from '@platform/runtime/db';
import { loadConfig } from './config.ts';
import { createPlatformService } from './service.ts';
import { startTestService, testEnv } from './testing/service-fixture.ts';

const seeded = ['Dot Net', 'SQL Server Express', 'Kubernetes'];

/** Persistent databases (a SQLite file, a PostgreSQL database) so that a restart sees earlier rows. */
const persistentTargets: { name: string; open(): Promise<{ config: DatabaseConfig; release(): Promise<void> }> }[] = [
  {
    name: 'a sqlite file',
    open: async () => {
      const folder = await mkdtemp(join(tmpdir(), 'platform-service-'));
      return { config: { driver: 'sqlite', url: join(folder, 'data', 'platform-service.sqlite') }, release: () => rm(folder, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgresql',
    open: async () => {
      const database = await createTemporaryPostgresDatabase({ prefix: 'platform_service' });
      return { config: { driver: 'postgresql', url: database.url }, release: database.drop };
    },
  },
];

describe.each(persistentTargets)('platform-service start-up on $name', (target) => {
  let database: DatabaseConfig;
  let release: () => Promise<void>;

  beforeAll(async () => {
    ({ config: database, release } = await target.open());
  });
  afterAll(() => release?.());

  async function namesAfterStart(seedData: string): Promise<string[]> {
    const api = await startTestService({ database, env: { SEED_DATA: seedData } });
    try {
      return (await api.client.GET('/api/platforms')).data!.map((platform) => platform.name);
    } finally {
      await api.stop();
    }
  }

  it('creates-the-schema-and-seeds-nothing-when-seeding-is-off', async () => {
    expect(await namesAfterStart('false')).toEqual([]);
  });

  it('seeds-an-empty-catalogue-when-seeding-is-on', async () => {
    expect(await namesAfterStart('true')).toEqual(seeded);
  });

  it('never-seeds-again-once-the-catalogue-has-rows', async () => {
    expect(await namesAfterStart('true')).toEqual(seeded);
  });

  it('keeps-platforms-and-their-ids-across-restarts', async () => {
    const first = await startTestService({ database });
    const { data: created } = await first.client.POST('/api/platforms', { body: { name: 'Kept', publisher: 'p', cost: 'c' } });
    await first.stop();
    const second = await startTestService({ database });
    try {
      expect((await second.client.GET('/api/platforms/{id}', { params: { path: { id: created!.id } } })).data).toEqual(created);
    } finally {
      await second.stop();
    }
  });
});

describe('platform-service when its database goes away', () => {
  it('answers-500-without-internals-and-reports-not-ready', async () => {
    const database = await createTemporaryPostgresDatabase({ prefix: 'platform_service' });
    const api = await startTestService({ database: { driver: 'postgresql', url: database.url } });
    try {
      await database.drop();
      const { error, response } = await api.client.GET('/api/platforms', { headers: { 'x-request-id': 'lost-db-1' } });
      expect(response.status).toBe(500);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(error).toEqual({
        type: 'about:blank',
        title: 'Internal Server Error',
        status: 500,
        detail: 'An unexpected error occurred. Quote the request id when reporting it.',
        instance: '/api/platforms',
        requestId: 'lost-db-1',
      });
      const created = await api.client.POST('/api/platforms', { body: { name: 'n', publisher: 'p', cost: 'c' } });
      expect(created.response.status).toBe(500);
      expect(JSON.stringify(created.error)).not.toMatch(/database|postgres|select|insert/i);
      const readyz = await api.readyz();
      expect(readyz.status).toBe(503);
      expect(readyz.body.checks.database?.ok).toBe(false);
    } finally {
      await api.stop();
      await database.drop();
    }
  });
});

describe('createPlatformService', () => {
  const logger = createLogger({ name: 'service-test', level: 'silent' });

  it('serves-rest-and-grpc-on-free-ports-and-reports-its-urls', async () => {
    const api = await startTestService({ env: { SEED_DATA: 'true' } });
    try {
      expect(api.restUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(api.grpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const grpc = createClient(PlatformService, createGrpcTransport({ baseUrl: api.grpcUrl }));
      expect((await grpc.getAllPlatforms({})).platforms.map((platform) => platform.name)).toEqual(seeded);
    } finally {
      await api.stop();
    }
  });

  it('limits-grpc-request-messages-to-grpc-receive-limit', async () => {
    const api = await startTestService({ env: { GRPC_RECEIVE_LIMIT: '1kb' } });
    try {
      const grpc = createClient(PlatformService, createGrpcTransport({ baseUrl: api.grpcUrl }));
      const padded = (bytes: number): GetAllPlatformsRequest => {
        const request = create(GetAllPlatformsRequestSchema);
        request.$unknown = [{ no: 15, wireType: WireType.LengthDelimited, data: new BinaryWriter().bytes(new Uint8Array(bytes)).finish() }];
        return request;
      };
      expect((await grpc.getAllPlatforms(padded(1000))).platforms).toEqual([]);
      const refused = await grpc.getAllPlatforms(padded(1024)).catch((error: unknown) => ConnectError.from(error));
      expect(refused).toMatchObject({ code: Code.ResourceExhausted, rawMessage: 'message size 1027 is larger than configured readMaxBytes 1024' });
    } finally {
      await api.stop();
    }
  });

  it('is-not-ready-before-start-and-after-stop', async () => {
    const service = createPlatformService({ config: loadConfig(testEnv), logger });
    expect((await service.readiness()).ok).toBe(false);
    await service.start();
    expect(await service.readiness()).toMatchObject({ ok: true, checks: { database: { ok: true }, bus: { ok: true }, outbox: { ok: true } } });
    await service.stop();
    expect((await service.readiness()).ok).toBe(false);
  });

  it('refuses-a-second-start-and-stops-once', async () => {
    const service = createPlatformService({ config: loadConfig(testEnv), logger });
    await service.start();
    await expect(service.start()).rejects.toThrow('cannot start platform-service: start() was already called');
    await Promise.all([service.stop(), service.stop()]);
    await service.stop();
  });

  it('stops-before-start-without-error', async () => {
    await expect(createPlatformService({ config: loadConfig(testEnv), logger }).stop()).resolves.toBeUndefined();
  });

  it('fails-start-on-a-port-in-use-and-releases-what-it-opened', async () => {
    const first = await startTestService();
    const port = new URL(first.restUrl).port;
    const second = createPlatformService({ config: loadConfig({ ...testEnv, HTTP_PORT: port }), logger });
    try {
      await expect(second.start()).rejects.toMatchObject({ code: 'EADDRINUSE' });
      await second.stop();
      expect((await second.readiness()).ok).toBe(false);
    } finally {
      await first.stop();
    }
  });

  it('fails-start-when-the-database-is-unreachable', async () => {
    const service = createPlatformService({
      config: loadConfig({ ...testEnv, DB_DRIVER: 'postgresql', DB_URL: 'postgresql://postgres@127.0.0.1:1/none' }),
      logger,
    });
    await expect(service.start()).rejects.toThrow(/ECONNREFUSED|connect/);
    await service.stop();
  });
});
