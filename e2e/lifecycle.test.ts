/**
 * Event-carried state under load, with the real parts: platform-service (SQLite) publishing through
 * its outbox to RabbitMQ, and two commands-service replicas competing on one queue over one
 * PostgreSQL database. About 1,000 creates, renames and deletes run concurrently while the
 * broker drops every connection mid-stream; commands-service must end with exactly
 * platform-service's catalogue. Then, with both replicas down, changes are made whose events are
 * lost (the queue is purged), and a restarted replica reconciles through its start-up sync.
 */
import { randomUUID } from 'node:crypto';
import { createCommandsServiceClient } from '@platform/gen/openapi/commands-service/client.ts';
import { createPlatformServiceClient } from '@platform/gen/openapi/platform-service/client.ts';
import { loadConfig as loadCommandsConfig, createCommandsService } from '@platform/commands-service';
import type { CommandsService } from '@platform/commands-service';
import { loadConfig as loadPlatformConfig, createPlatformService } from '@platform/platform-service';
import type { PlatformService } from '@platform/platform-service';
import { brokerUrl, closeConnectionsNamed, eventually, withAdminChannel } from '@platform/runtime/amqp/testing';
import { createTemporaryPostgresDatabase, type TemporaryDatabase } from '@platform/runtime/db/testing';
import { createLogger } from '@platform/runtime/logging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteBrokerObjects, type BrokerNames } from './broker.ts';

const logger = createLogger({ name: 'e2e-lifecycle', level: 'silent' });
const prefix = `e2e-lifecycle-${randomUUID().slice(0, 8)}`;
const names: BrokerNames = { exchange: `${prefix}.platform.events`, queue: `${prefix}.commands-service.platform-events` };

/** A seeded pseudo-random generator (mulberry32): a failing run can be replayed with its seed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('platform lifecycle across the broker, two replicas and missed events', { timeout: 180_000 }, () => {
  let database: TemporaryDatabase;
  let platform: PlatformService;
  let platformUrls: { restUrl: string; grpcUrl: string };
  const replicas: CommandsService[] = [];

  function startReplica(name: string): Promise<{ restUrl: string }> {
    const replica = createCommandsService({
      config: loadCommandsConfig({
        HTTP_PORT: '0',
        HOST: '127.0.0.1',
        NODE_ENV: 'test',
        DB_DRIVER: 'postgresql',
        DB_URL: database.url,
        PLATFORM_SERVICE_GRPC_URL: platformUrls.grpcUrl,
        AMQP_URL: brokerUrl,
        AMQP_CONNECTION_NAME: `${prefix}-${name}`,
        AMQP_PREFETCH: '20',
        SYNC_INITIAL_BACKOFF: '20ms',
        SYNC_MAX_BACKOFF: '200ms',
      }),
      logger,
      eventNames: { exchange: names.exchange, queue: names.queue, deadLetterExchange: `${names.exchange}.dlx`, deadLetterQueue: `${names.queue}.dlq` },
    });
    replicas.push(replica);
    return replica.start();
  }

  beforeAll(async () => {
    database = await createTemporaryPostgresDatabase({ prefix: 'e2e_lifecycle' });
    platform = createPlatformService({
      config: loadPlatformConfig({
        HTTP_PORT: '0',
        GRPC_PORT: '0',
        HOST: '127.0.0.1',
        NODE_ENV: 'test',
        DB_DRIVER: 'sqlite',
        DB_URL: ':memory:',
        SEED_DATA: 'false',
        COMMANDS_SYNC_ENABLED: 'false',
        AMQP_URL: brokerUrl,
        AMQP_EXCHANGE: names.exchange,
        AMQP_CONNECTION_NAME: `${prefix}-platform-service`,
        OUTBOX_POLL_INTERVAL: '50ms',
      }),
      logger,
    });
    platformUrls = await platform.start();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await platform?.stop();
    await database?.drop();
    await deleteBrokerObjects(names);
  }, 60_000);

  const catalogue = async (): Promise<{ id: number; name: string }[]> =>
    ((await createPlatformServiceClient(platformUrls.restUrl).GET('/api/platforms')).data ?? []).map(({ id, name }) => ({ id, name }));

  it('ends-two-replicas-with-platform-services-catalogue-after-1000-concurrent-changes-and-a-broker-drop', async () => {
    const [a, b] = [await startReplica('a'), await startReplica('b')];
    const api = createPlatformServiceClient(platformUrls.restUrl);
    const next = random(20261201);
    const live: number[] = [];
    let done = 0;
    const change = async (): Promise<void> => {
      const roll = next();
      if (live.length < 20 || roll < 0.35) {
        const { data } = await api.POST('/api/platforms', { body: { name: `platform ${randomUUID().slice(0, 8)}`, publisher: 'e2e', cost: 'Free' } });
        if (data) live.push(data.id);
      } else if (roll < 0.85) {
        const id = live[Math.floor(next() * live.length)] as number;
        await api.PUT('/api/platforms/{id}', { params: { path: { id } }, body: { name: `renamed ${randomUUID().slice(0, 8)}`, publisher: 'e2e', cost: 'Free' } });
      } else {
        const id = live.splice(Math.floor(next() * live.length), 1)[0] as number;
        await api.DELETE('/api/platforms/{id}', { params: { path: { id } } });
      }
      done++;
    };
    // Ten clients at once; half-way, the broker drops every connection of both sides.
    let dropped: Promise<number[]> | undefined;
    const clients = Array.from({ length: 10 }, async () => {
      for (let index = 0; index < 100; index++) {
        await change();
        if (done >= 500) dropped ??= Promise.all(['platform-service', 'a', 'b'].map((name) => closeConnectionsNamed(`${prefix}-${name}`, 'e2e drop')));
      }
    });
    await Promise.all(clients);
    expect(done).toBe(1000);
    // Each side had its connection closed by the broker while events were flowing.
    expect(await dropped).toEqual([1, 1, 1]);

    const expected = await catalogue();
    expect(expected.length).toBeGreaterThan(20);
    for (const replica of [a, b]) {
      const commands = createCommandsServiceClient(replica.restUrl);
      await eventually(async () => JSON.stringify((await commands.GET('/api/c/platforms')).data) === JSON.stringify(expected));
    }
    const dlq = await withAdminChannel(async (channel) => (await channel.checkQueue(`${names.queue}.dlq`)).messageCount);
    expect(dlq).toBe(0);
  });

  it('reconciles-a-restarted-replica-with-updates-and-deletes-whose-events-it-missed', async () => {
    await Promise.all(replicas.splice(0).map((replica) => replica.stop()));
    const api = createPlatformServiceClient(platformUrls.restUrl);
    const before = await catalogue();
    const [renamed, deleted] = before as [{ id: number; name: string }, { id: number; name: string }];
    await api.PUT('/api/platforms/{id}', { params: { path: { id: renamed.id } }, body: { name: 'renamed while nobody listened', publisher: 'e2e', cost: 'Free' } });
    await api.DELETE('/api/platforms/{id}', { params: { path: { id: deleted.id } } });
    const { data: added } = await api.POST('/api/platforms', { body: { name: 'created while nobody listened', publisher: 'e2e', cost: 'Free' } });
    // The events are lost: once the outbox relayed them, the queue is purged.
    await eventually(async () => (await withAdminChannel(async (channel) => (await channel.checkQueue(names.queue)).messageCount)) >= 3);
    await withAdminChannel((channel) => channel.purgeQueue(names.queue));

    const { restUrl } = await startReplica('c');
    const expected = await catalogue();
    expect(expected).toContainEqual({ id: renamed.id, name: 'renamed while nobody listened' });
    expect(expected).toContainEqual({ id: added!.id, name: 'created while nobody listened' });
    expect(expected.map(({ id }) => id)).not.toContain(deleted.id);
    const commands = createCommandsServiceClient(restUrl);
    await eventually(async () => JSON.stringify((await commands.GET('/api/c/platforms')).data) === JSON.stringify(expected));
    expect((await commands.GET('/api/c/platforms/{platformId}/commands', { params: { path: { platformId: deleted.id } } })).response.status).toBe(404);
  });
});
