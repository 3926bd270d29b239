import type { Orm } from '@platform/runtime/db';
import { createLogger } from '@platform/runtime/logging';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../database.ts';
import { createDatabaseOutboxStore } from '../events/outbox-store.ts';
import type { DatabaseOutboxStore } from '../events/outbox-store.ts';
import { databaseTargets } from '../testing/databases.ts';
import { createPlatformCreator } from './create-platform.ts';
import type { PlatformCreator } from './create-platform.ts';
import { listPlatforms } from './read-platforms.ts';
import { seedCatalogue } from './seed.ts';

const logger = createLogger({ name: 'seed-test', level: 'silent' });

describe.each(databaseTargets)('seedCatalogue on $name', (target) => {
  let orm: Orm;
  let release: () => Promise<void>;
  let outbox: DatabaseOutboxStore;
  let creator: PlatformCreator;

  beforeAll(async () => {
    const database = await target.open();
    release = database.release;
    orm = await openDatabase(database.config, logger);
    outbox = createDatabaseOutboxStore({ orm });
    creator = createPlatformCreator({ orm, outbox });
  });
  afterAll(async () => {
    await orm?.close(true);
    await release?.();
  });
  beforeEach(() => orm.schema.clear());

  it('seeds-an-empty-catalogue-with-the-three-development-platforms-and-their-events', async () => {
    await seedCatalogue({ orm, creator, logger });
    expect((await listPlatforms(orm)).map(({ name, publisher, cost }) => ({ name, publisher, cost }))).toEqual([
      { name: 'Dot Net', publisher: 'Microsoft', cost: 'Free' },
      { name: 'SQL Server Express', publisher: 'Microsoft', cost: 'Free' },
      { name: 'Kubernetes', publisher: 'Cloud Native Computing Foundation', cost: 'Free' },
    ]);
    expect(await outbox.countPending()).toBe(3);
  });

  it('seeds-only-once', async () => {
    expect(await seedCatalogue({ orm, creator, logger })).toHaveLength(3);
    expect(await seedCatalogue({ orm, creator, logger })).toEqual([]);
    expect(await listPlatforms(orm)).toHaveLength(3);
  });

  it('leaves-a-catalogue-with-rows-alone', async () => {
    await creator.create({ name: 'Mine', publisher: 'Me', cost: '$1' });
    expect(await seedCatalogue({ orm, creator, logger })).toEqual([]);
    expect((await listPlatforms(orm)).map((platform) => platform.name)).toEqual(['Mine']);
  });
});
