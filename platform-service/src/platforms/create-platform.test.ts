import { decodePlatformPublished } from '@platform/gen/asyncapi/platform-events/index.ts';
import type { Orm } from '@platform/runtime/db';
import { createLogger } from '@platform/runtime/logging';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../database.ts';
import { OutboxMessage } from '../events/outbox-entity.ts';
import { createDatabaseOutboxStore } from '../events/outbox-store.ts';
import type { DatabaseOutboxStore } from '../events/outbox-store.ts';
import { databaseTargets } from '../testing/databases.ts';
import { createPlatformCreator } from './create-platform.ts';
import { Platform } from './platform-entity.ts';

const logger = createLogger({ name: 'create-platform-test', level: 'silent' });

describe.each(databaseTargets)('createPlatformCreator on $name', (target) => {
  let orm: Orm;
  let release: () => Promise<void>;
  let outbox: DatabaseOutboxStore;

  beforeAll(async () => {
    const database = await target.open();
    release = database.release;
    orm = await openDatabase(database.config, logger);
    outbox = createDatabaseOutboxStore({ orm });
  });
  afterAll(async () => {
    await orm?.close(true);
    await release?.();
  });
  beforeEach(() => orm.schema.clear());

  it('writes-the-platform-and-its-platform-published-envelope-together', async () => {
    let kicks = 0;
    const creator = createPlatformCreator({ orm, outbox, afterCommit: () => kicks++ });
    const created = await creator.create({ name: 'Kubernetes', publisher: 'CNCF', cost: 'Free' }, { correlationId: 'request-1' });

    expect(created).toEqual({ id: expect.any(Number), name: 'Kubernetes', publisher: 'CNCF', cost: 'Free' });
    expect(kicks).toBe(1);
    const stored = await orm.em.fork().findOneOrFail(Platform, { id: created.id });
    const [record, ...more] = await outbox.fetchPending(10);
    expect(more).toEqual([]);
    expect(record?.topic).toBe('platform.published');
    expect(decodePlatformPublished(record!.message)).toEqual(created);
    expect(record?.message.metadata).toEqual({
      contentType: 'application/json',
      type: 'platform.published',
      appId: 'platform-service',
      timestamp: String(stored.createdAt.getTime()),
      correlationId: 'request-1',
    });
  });

  it('gives-every-event-its-own-message-id', async () => {
    const creator = createPlatformCreator({ orm, outbox });
    for (const name of ['a', 'b', 'c']) await creator.create({ name, publisher: 'p', cost: 'c' });
    const ids = (await outbox.fetchPending(10)).map((record) => record.message.id);
    expect(new Set(ids).size).toBe(3);
  });

  it('stores-neither-the-platform-nor-the-event-when-the-transaction-fails', async () => {
    const creator = createPlatformCreator({ orm, outbox });
    const attempt = orm.em.fork().transactional(async (em) => {
      await creator.insert(em, [{ name: 'doomed', publisher: 'p', cost: 'c' }]);
      throw new Error('abort after both writes');
    });
    await expect(attempt).rejects.toThrow('abort after both writes');
    expect(await orm.em.fork().count(Platform, {})).toBe(0);
    expect(await orm.em.fork().count(OutboxMessage, {})).toBe(0);
  });

  it('refuses-an-event-the-contract-rejects-and-keeps-nothing', async () => {
    const creator = createPlatformCreator({ orm, outbox });
    await expect(creator.create({ name: '', publisher: 'p', cost: 'c' })).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(await orm.em.fork().count(Platform, {})).toBe(0);
    expect(await outbox.countPending()).toBe(0);
  });
});
