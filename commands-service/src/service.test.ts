import { randomUUID } from 'node:crypto';
import { publishPlatformDeleted, publishPlatformPublished, publishPlatformUpdated } from '@platform/gen/asyncapi/platform-events/index.ts';
import { type Message, createInProcessBus, metadataKeys } from '@platform/runtime/messaging';
import { createOrm, migrationsTable } from '@platform/runtime/db';
import { createTemporaryPostgresDatabase } from '@platform/runtime/db/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { entities } from './database.ts';
import { createCommandsService } from './service.ts';
import { type BrokerProxy, type RawPublisher, connectRawPublisher, startBrokerProxy, uniqueBrokerNames } from './testing/broker.ts';
import { eventually } from '@platform/runtime/amqp/testing';
import { recordingLogger, silentLogger } from './testing/logs.ts';
import { type PlatformServicePeer, catalogueOf, freePort, startPlatformServicePeer } from './testing/platform-service-peer.ts';
import { type TestService, startTestService, testEnv } from './testing/service-fixture.ts';

const known = async (app: TestService): Promise<number[]> => ((await app.client.GET('/api/c/platforms')).data ?? []).map(({ id }) => id);

describe('commands-service start-up', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).toReversed()) await step();
  });

  it('starts-and-serves-while-platform-service-is-down-then-syncs-once-it-is-up', async () => {
    const port = await freePort();
    const app = await startTestService({ env: { PLATFORM_SERVICE_GRPC_URL: `http://127.0.0.1:${port}` } });
    cleanup.push(app.stop);

    expect((await app.client.GET('/api/c/platforms')).data).toEqual([]);
    expect((await app.client.POST('/api/c/platforms')).response.status).toBe(200);
    const notReady = await app.readyz();
    expect(notReady.status).toBe(503);
    expect(notReady.body.checks['startup-sync']).toEqual({ ok: false, detail: expect.stringMatching(/^not synced: /) });
    expect(notReady.body.checks.database).toEqual({ ok: true, detail: 'reachable' });

    const peer: PlatformServicePeer = await startPlatformServicePeer({ catalogue: catalogueOf(3), port });
    cleanup.push(peer.close);
    await eventually(async () => (await app.readyz()).status === 200);
    expect(await known(app)).toEqual([1, 2, 3]);
  });

  it('starts-while-rabbitmq-is-down-and-consumes-once-it-is-up', async () => {
    const proxy: BrokerProxy = await startBrokerProxy();
    cleanup.push(proxy.close);
    const names = uniqueBrokerNames();
    const raw: RawPublisher = await connectRawPublisher();
    cleanup.push(async () => {
      await raw.deleteAll(names.events).catch(() => undefined);
      await raw.close();
    });
    const { logger, lines } = recordingLogger();
    const app = await startTestService({
      env: { AMQP_URL: proxy.url, AMQP_CONNECTION_NAME: names.connectionName, AMQP_STARTUP_WAIT: '100ms' },
      eventNames: names.events,
      logger,
    });
    cleanup.push(app.stop);
    expect(lines().some((line) => line.msg === 'the broker is not reachable yet; events will be consumed once it is')).toBe(true);
    expect((await app.client.GET('/api/c/platforms')).response.status).toBe(200);
    expect((await app.readyz()).body.checks['platform-events']).toEqual({ ok: false, detail: expect.stringMatching(/^RabbitMQ at 127\.0\.0\.1:\d+: not connected$/) });

    proxy.accept();
    // Ready means consuming: the topology is declared by then.
    await eventually(async () => (await app.readyz()).body.checks['platform-events']?.ok === true);
    expect(await raw.depth(names.events.queue)).toBe(0);
    await raw.publish(names.events.exchange, [{ payload: { id: 7, name: 'late', publisher: 'Example', cost: 'Free' } }]);
    await eventually(async () => (await known(app)).includes(7));
  });

  it('fails-to-start-on-a-database-it-cannot-reach-and-releases-the-port', async () => {
    const port = await freePort();
    const config = loadConfig({ ...testEnv, DB_DRIVER: 'postgresql', DB_URL: `postgresql://postgres@127.0.0.1:${await freePort()}/none`, HTTP_PORT: String(port) });
    const service = createCommandsService({ config, logger: silentLogger() });
    await expect(service.start()).rejects.toThrow(/ECONNREFUSED/);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow('fetch failed');
    await service.stop();
  });

  it('applies-the-committed-migrations-in-production', async () => {
    const database = await createTemporaryPostgresDatabase({ prefix: 'commands_migrated' });
    cleanup.push(database.drop);
    // Production needs an issuer; none is contacted (only reads here).
    const issuer = { AUTH_JWKS_URL: 'https://login.example.com/.well-known/jwks.json', AUTH_ISSUER: 'https://login.example.com/', AUTH_AUDIENCE: 'contract-first-platform' };
    const app = await startTestService({ env: { NODE_ENV: 'production', DB_DRIVER: 'postgresql', DB_URL: database.url, ...issuer } });
    cleanup.push(app.stop);
    expect((await app.client.GET('/api/c/platforms')).data).toEqual([]);
    const orm = await createOrm({ driver: 'postgresql', url: database.url, entities: [...entities] });
    cleanup.push(() => orm.close(true));
    const applied = await orm.em.getConnection().execute<{ name: string }[]>(`select name from ${migrationsTable}`);
    expect(applied.map(({ name }) => name)).toEqual([expect.stringMatching(/^Migration\d+_initial$/), expect.stringMatching(/^Migration\d+_lifecycle$/)]);
  });

  it('stops-once-however-often-asked-and-does-not-start-again', async () => {
    const app = await startTestService();
    await Promise.all([app.stop(), app.stop()]);
    await expect(app.service.start()).rejects.toThrow('cannot start commands-service: it was stopped');
    await expect(fetch(`${app.restUrl}/healthz`)).rejects.toThrow('fetch failed');
  });
});

describe('commands-service on the in-process bus (single-process mode)', () => {
  it('consumes-every-platform-event-type-from-the-bus-and-keeps-what-it-dead-letters', async () => {
    const bus = createInProcessBus();
    const app = await startTestService({ inProcessBus: bus });
    try {
      expect((await app.readyz()).body.checks['platform-events']).toEqual({ ok: true, detail: 'consuming from in-process bus' });
      await publishPlatformPublished(bus.publisher, { id: 12, name: 'in process', publisher: 'Example', cost: 'Free' });
      await publishPlatformPublished(bus.publisher, { id: 13, name: 'doomed', publisher: 'Example', cost: 'Free' });
      await publishPlatformUpdated(bus.publisher, { id: 12, name: 'renamed in process', publisher: 'Example', cost: 'Free', version: 2 });
      await publishPlatformDeleted(bus.publisher, { id: 13, version: 2 });
      await eventually(async () => JSON.stringify((await app.client.GET('/api/c/platforms')).data) === JSON.stringify([{ id: 12, name: 'renamed in process' }]));

      // No content type: the contract requires one, so the consumer may not guess.
      const poison: Message = { id: randomUUID(), payload: new TextEncoder().encode('{"id":14,"name":"n","publisher":"p","cost":"c"}'), metadata: { [metadataKeys.type]: 'platform.published' } };
      await bus.publisher.publish('platform.published', [poison]);
      await eventually(() => bus.deadLetters().length === 1);
      expect(bus.deadLetters()[0]).toMatchObject({ topic: 'commands-service.platform-events', code: 'poison_message', message: { id: poison.id } });
      expect(bus.deadLetters()[0]?.reason).toMatch(/no content type/);
      expect(await known(app)).toEqual([12]);
    } finally {
      await app.stop();
    }
    // The bus belongs to the launcher: still open after the service stopped.
    await expect(bus.publisher.publish('anything', [])).resolves.toBeUndefined();
    await bus.close();
  });
});
