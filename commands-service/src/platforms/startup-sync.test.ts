import type { Orm } from '@platform/runtime/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '@platform/runtime/db';
import { commandsServiceDatabase } from '../database.ts';
import { eventually } from '@platform/runtime/amqp/testing';
import { recordingLogger, silentLogger } from '../testing/logs.ts';
import { catalogueOf, freePort, startPlatformServicePeer, type PlatformServicePeer } from '../testing/platform-service-peer.ts';
import { Command } from '../commands/command-entity.ts';
import { createCatalogueCopy, type CatalogueCopy } from './catalogue-copy.ts';
import { Platform } from './platform-entity.ts';
import { connectPlatformService, type PlatformServiceConnection } from './platform-service-client.ts';
import { createStartupSync, type StartupSync } from './startup-sync.ts';

const fastBackoff = { initialInterval: 20, maxInterval: 200 };

describe('start-up sync', () => {
  let orm: Orm;
  let copy: CatalogueCopy;
  let peer: PlatformServicePeer | undefined;
  let connection: PlatformServiceConnection | undefined;
  let sync: StartupSync | undefined;

  beforeEach(async () => {
    orm = await openDatabase({ driver: 'sqlite', url: ':memory:', ...commandsServiceDatabase, logger: silentLogger() });
    copy = createCatalogueCopy(orm);
  });

  afterEach(async () => {
    await sync?.stop();
    connection?.close();
    await peer?.close();
    await orm.close(true);
    sync = connection = peer = undefined;
  });

  const externalIds = async (): Promise<number[]> =>
    (await orm.em.fork().find(Platform, { deleted: false }, { orderBy: { externalId: 'asc' } })).map((platform) => platform.externalId);
  const held = async () =>
    (await orm.em.fork().find(Platform, {}, { orderBy: { externalId: 'asc' } })).map(({ externalId, name, version, deleted }) => ({ id: externalId, name, version, deleted }));
  const entry = (id: number, name: string, version: number) => ({ id, name, publisher: 'p', cost: 'Free', version });
  async function syncWith(catalogue: readonly ReturnType<typeof entry>[], beforeBatch?: (index: number) => Promise<void>): Promise<() => Record<string, unknown>[]> {
    peer = await startPlatformServicePeer({ catalogue, ...(beforeBatch ? { beforeBatch } : {}) });
    connection = connectPlatformService(peer.url, silentLogger());
    const { logger, lines } = recordingLogger();
    sync = createStartupSync({ client: connection.client, copy, logger, batchSize: 2 });
    sync.start();
    await sync.finished;
    return lines as () => Record<string, unknown>[];
  }

  it('updates-what-is-stale-and-keeps-what-is-newer', async () => {
    await copy.apply({ id: 1, name: 'old name', version: 1 });
    await copy.apply({ id: 2, name: 'newer here', version: 5 });
    const lines = await syncWith([entry(1, 'renamed twice', 3), entry(2, 'older there', 4), entry(3, 'new', 1)]);
    expect(await held()).toEqual([
      { id: 1, name: 'renamed twice', version: 3, deleted: false },
      { id: 2, name: 'newer here', version: 5, deleted: false },
      { id: 3, name: 'new', version: 1, deleted: false },
    ]);
    expect(lines().find((line) => line.msg === 'start-up sync done')).toMatchObject({ streamed: 3, applied: 2, removed: 0 });
  });

  it('takes-version-0-from-a-platform-service-older-than-versions-as-version-1', async () => {
    await copy.apply({ id: 2, name: 'renamed since', version: 2 });
    await syncWith([entry(1, 'never updated', 0), entry(2, 'never updated', 0)]);
    expect(await held()).toEqual([
      { id: 1, name: 'never updated', version: 1, deleted: false },
      { id: 2, name: 'renamed since', version: 2, deleted: false },
    ]);
  });

  it('removes-platforms-deleted-in-platform-service-whose-delete-it-missed-with-their-commands', async () => {
    for (const id of [1, 2, 3, 4]) await copy.apply({ id, name: `platform ${id}`, version: 1 });
    const em = orm.em.fork();
    const doomed = await em.findOneOrFail(Platform, { externalId: 2 });
    em.create(Command, { howTo: 'gone with it', commandLine: 'x', platform: doomed });
    await em.flush();
    // 2 was deleted in the middle of the catalogue, 4 at its end: neither is streamed.
    const lines = await syncWith([entry(1, 'platform 1', 1), entry(3, 'platform 3', 1)]);
    expect(await externalIds()).toEqual([1, 3]);
    expect(await held()).toContainEqual(expect.objectContaining({ id: 2, deleted: true }));
    expect(await orm.em.fork().count(Command, {})).toBe(0);
    expect(lines().find((line) => line.msg === 'start-up sync done')).toMatchObject({ removed: 2 });
    // A late event of a removed platform changes nothing.
    expect(await copy.apply({ id: 4, name: 'late update', version: 2 })).toBe(false);
  });

  it('never-removes-a-platform-learnt-from-an-event-while-the-sync-ran', async () => {
    await copy.apply({ id: 1, name: 'platform 1', version: 1 });
    await syncWith([entry(1, 'platform 1', 1), entry(2, 'platform 2', 1), entry(3, 'platform 3', 1)], async (index) => {
      // Created in platform-service after the stream passed its place, learnt from its event.
      if (index === 1) await copy.apply({ id: 10, name: 'created while syncing', version: 1 });
    });
    expect(await externalIds()).toEqual([1, 2, 3, 10]);
  });

  it('never-revives-a-platform-whose-delete-it-applied-while-the-sync-ran', async () => {
    await syncWith([entry(1, 'platform 1', 1), entry(2, 'platform 2', 1)], async (index) => {
      if (index === 0) await copy.remove(1, 2);
    });
    expect(await externalIds()).toEqual([2]);
  });

  it('copies-the-catalogue-in-batches-of-the-configured-size', async () => {
    peer = await startPlatformServicePeer({ catalogue: catalogueOf(25) });
    connection = connectPlatformService(peer.url, silentLogger());
    sync = createStartupSync({ client: connection.client, copy, logger: silentLogger(), batchSize: 10 });
    expect(await sync.check()).toEqual({ ok: false, detail: 'not synced: not started' });
    sync.start();
    await sync.finished;
    expect(sync.state).toBe('synced');
    expect(await sync.check()).toEqual({ ok: true });
    expect(await externalIds()).toEqual(Array.from({ length: 25 }, (_, index) => index + 1));
    expect(peer.streamRequests.map(({ batchSize, afterId }) => ({ batchSize, afterId }))).toEqual([{ batchSize: 10, afterId: 0 }]);
  });

  it('keeps-platforms-it-already-knows-and-adds-only-the-missing-ones', async () => {
    await copy.apply({ id: 2, name: 'learnt from an event', version: 1 });
    peer = await startPlatformServicePeer({ catalogue: catalogueOf(3) });
    connection = connectPlatformService(peer.url, silentLogger());
    const { logger, lines } = recordingLogger();
    sync = createStartupSync({ client: connection.client, copy, logger });
    sync.start();
    await sync.finished;
    expect(await externalIds()).toEqual([1, 2, 3]);
    expect((await orm.em.fork().findOneOrFail(Platform, { externalId: 2 })).name).toBe('learnt from an event');
    expect(lines().find((line) => line.msg === 'start-up sync done')).toMatchObject({ streamed: 3, applied: 2, removed: 0, attempts: 1 });
  });

  it('retries-with-backoff-while-platform-service-is-down-and-completes-once-it-is-up', async () => {
    const port = await freePort();
    connection = connectPlatformService(`http://127.0.0.1:${port}`, silentLogger());
    const { logger, lines } = recordingLogger();
    sync = createStartupSync({ client: connection.client, copy, logger, backoff: fastBackoff });
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
    connection = connectPlatformService(peer.url, silentLogger());
    sync = createStartupSync({ client: connection.client, copy, logger: silentLogger(), batchSize: 10, backoff: fastBackoff });
    sync.start();
    await sync.finished;
    expect(peer.streamRequests.map(({ afterId }) => afterId)).toEqual([0, 20]);
    expect(await externalIds()).toEqual(Array.from({ length: 30 }, (_, index) => index + 1));
  });

  it('stops-while-waiting-for-the-next-attempt', async () => {
    connection = connectPlatformService(`http://127.0.0.1:${await freePort()}`, silentLogger());
    const { logger, lines } = recordingLogger();
    sync = createStartupSync({ client: connection.client, copy, logger, backoff: { initialInterval: 60_000, maxInterval: 60_000 } });
    sync.start();
    await eventually(() => lines().some((line) => line.msg === 'start-up sync failed, retrying'));
    await sync.stop();
    expect(sync.state).toBe('stopped');
    expect((await sync.check()).ok).toBe(false);
  });

  it('rejects-bad-options', () => {
    connection = connectPlatformService('http://127.0.0.1:1', silentLogger());
    expect(() => createStartupSync({ client: connection!.client, copy, logger: silentLogger(), batchSize: 0 })).toThrow(
      'cannot create start-up sync: batchSize must be an integer >= 1, got 0',
    );
    expect(() => createStartupSync({ client: connection!.client, copy, logger: silentLogger(), backoff: { multiplier: 0.5 } })).toThrow(/multiplier/);
  });
});
