import type { Orm } from '@platform/runtime/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../database.ts';
import { eventually } from '@platform/runtime/amqp/testing';
import { recordingLogger, silentLogger } from '../testing/logs.ts';
import { catalogueOf, freePort, startPlatformServicePeer, type PlatformServicePeer } from '../testing/platform-service-peer.ts';
import { addMissingPlatforms } from './add-missing-platforms.ts';
import { Platform } from './platform-entity.ts';
import { connectPlatformService, type PlatformServiceConnection } from './platform-service-client.ts';
import { createStartupSync, type StartupSync } from './startup-sync.ts';

const fastBackoff = { initialInterval: 20, maxInterval: 200 };

describe('start-up sync', () => {
  let orm: Orm;
  let peer: PlatformServicePeer | undefined;
  let connection: PlatformServiceConnection | undefined;
  let sync: StartupSync | undefined;

  beforeEach(async () => {
    orm = await openDatabase({ dbDriver: 'sqlite', dbUrl: ':memory:' }, silentLogger());
  });

  afterEach(async () => {
    await sync?.stop();
    connection?.close();
    await peer?.close();
    await orm.close(true);
    sync = connection = peer = undefined;
  });

  const externalIds = async (): Promise<number[]> =>
    (await orm.em.fork().find(Platform, {}, { orderBy: { externalId: 'asc' } })).map((platform) => platform.externalId);

  it('copies-the-catalogue-in-batches-of-the-configured-size', async () => {
    peer = await startPlatformServicePeer({ catalogue: catalogueOf(25) });
    connection = connectPlatformService(peer.url);
    sync = createStartupSync({ client: connection.client, orm, logger: silentLogger(), batchSize: 10 });
    expect(await sync.check()).toEqual({ ok: false, detail: 'not synced: not started' });
    sync.start();
    await sync.finished;
    expect(sync.state).toBe('synced');
    expect(await sync.check()).toEqual({ ok: true });
    expect(await externalIds()).toEqual(Array.from({ length: 25 }, (_, index) => index + 1));
    expect(peer.streamRequests.map(({ batchSize, afterId }) => ({ batchSize, afterId }))).toEqual([{ batchSize: 10, afterId: 0 }]);
  });

  it('keeps-platforms-it-already-knows-and-adds-only-the-missing-ones', async () => {
    await addMissingPlatforms(orm.em.fork(), [{ id: 2, name: 'learnt from an event' }]);
    peer = await startPlatformServicePeer({ catalogue: catalogueOf(3) });
    connection = connectPlatformService(peer.url);
    const { logger, lines } = recordingLogger();
    sync = createStartupSync({ client: connection.client, orm, logger });
    sync.start();
    await sync.finished;
    expect(await externalIds()).toEqual([1, 2, 3]);
    expect((await orm.em.fork().findOneOrFail(Platform, { externalId: 2 })).name).toBe('learnt from an event');
    expect(lines().find((line) => line.msg === 'start-up sync done')).toMatchObject({ streamed: 3, added: 2, attempts: 1 });
  });

  it('retries-with-backoff-while-platform-service-is-down-and-completes-once-it-is-up', async () => {
    const port = await freePort();
    connection = connectPlatformService(`http://127.0.0.1:${port}`);
    const { logger, lines } = recordingLogger();
    sync = createStartupSync({ client: connection.client, orm, logger, backoff: fastBackoff });
    sync.start();
    await eventually(() => lines().filter((line) => line.msg === 'start-up sync failed, retrying').length >= 2);
    const check = await sync.check();
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/^not synced: .*(ECONNREFUSED|unavailable).* \(attempt \d+, next in \d+ ms\)$/);
    expect(sync.state).toBe('syncing');
    peer = await startPlatformServicePeer({ catalogue: catalogueOf(3), port });
    await sync.finished;
    expect(await sync.check()).toEqual({ ok: true });
    expect(await externalIds()).toEqual([1, 2, 3]);
  });

  it('resumes-after-the-last-stored-platform-when-the-stream-breaks', async () => {
    peer = await startPlatformServicePeer({ catalogue: catalogueOf(30), failFirstCallAfterBatches: 2 });
    connection = connectPlatformService(peer.url);
    sync = createStartupSync({ client: connection.client, orm, logger: silentLogger(), batchSize: 10, backoff: fastBackoff });
    sync.start();
    await sync.finished;
    expect(peer.streamRequests.map(({ afterId }) => afterId)).toEqual([0, 20]);
    expect(await externalIds()).toEqual(Array.from({ length: 30 }, (_, index) => index + 1));
  });

  it('stops-while-waiting-for-the-next-attempt', async () => {
    connection = connectPlatformService(`http://127.0.0.1:${await freePort()}`);
    const { logger, lines } = recordingLogger();
    sync = createStartupSync({ client: connection.client, orm, logger, backoff: { initialInterval: 60_000, maxInterval: 60_000 } });
    sync.start();
    await eventually(() => lines().some((line) => line.msg === 'start-up sync failed, retrying'));
    await sync.stop();
    expect(sync.state).toBe('stopped');
    expect((await sync.check()).ok).toBe(false);
  });

  it('rejects-bad-options', () => {
    connection = connectPlatformService('http://127.0.0.1:1');
    expect(() => createStartupSync({ client: connection!.client, orm, logger: silentLogger(), batchSize: 0 })).toThrow(
      'cannot create start-up sync: batchSize must be an integer >= 1, got 0',
    );
    expect(() => createStartupSync({ client: connection!.client, orm, logger: silentLogger(), backoff: { multiplier: 0.5 } })).toThrow(/multiplier/);
  });
});
