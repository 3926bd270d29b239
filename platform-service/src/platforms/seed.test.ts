import type { Orm } from '@platform/runtime/db';
import { createLogger } from '@platform/runtime/logging';
import { createDatabaseOutbox, type DatabaseOutbox } from '@platform/runtime/outbox';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '@platform/runtime/db';
import { platformServiceDatabase } from '../database.ts';
import { databaseTargets } from '../testing/databases.ts';
import { listPlatforms } from './read-platforms.ts';
import { seedCatalogue } from './seed.ts';
import { createPlatformWriter, type PlatformWriter } from './write-platforms.ts';

const logger = createLogger({ name: 'seed-test', level: 'silent' });

describe.each(databaseTargets)('seedCatalogue on $name', (target) => {
  let orm: Orm;
  let release: () => Promise<void>;
  let outbox: DatabaseOutbox;
  let writer: PlatformWriter;

  beforeAll(async () => {
    const database = await target.open();
    release = database.release;
    orm = await openDatabase({ ...database.config, ...platformServiceDatabase, logger });
    outbox = createDatabaseOutbox({ orm });
    writer = createPlatformWriter({ outbox });
  });
  afterAll(async () => {
    await orm?.close(true);
    await release?.();
  });
  beforeEach(() => orm.schema.clear());

  it('seeds-an-empty-catalogue-with-the-three-development-platforms-and-their-events', async () => {
    await seedCatalogue({ outbox, writer, logger });
    expect((await listPlatforms(orm)).map(({ name, publisher, cost, version }) => ({ name, publisher, cost, version }))).toEqual([
      { name: 'Dot Net', publisher: 'Microsoft', cost: 'Free', version: 1 },
      { name: 'SQL Server Express', publisher: 'Microsoft', cost: 'Free', version: 1 },
      { name: 'Kubernetes', publisher: 'Cloud Native Computing Foundation', cost: 'Free', version: 1 },
    ]);
    expect(await outbox.countPending()).toBe(3);
  });

  it('seeds-only-once', async () => {
    expect(await seedCatalogue({ outbox, writer, logger })).toHaveLength(3);
    expect(await seedCatalogue({ outbox, writer, logger })).toEqual([]);
    expect(await listPlatforms(orm)).toHaveLength(3);
  });

  it('leaves-a-catalogue-with-rows-alone', async () => {
    await writer.create({ name: 'Mine', publisher: 'Me', cost: '$1' });
    expect(await seedCatalogue({ outbox, writer, logger })).toEqual([]);
    expect((await listPlatforms(orm)).map((platform) => platform.name)).toEqual(['Mine']);
  });

  it('does-not-seed-a-catalogue-whose-platforms-were-all-deleted', async () => {
    const mine = await writer.create({ name: 'Mine', publisher: 'Me', cost: '$1' });
    await writer.remove(mine.id, { kind: 'absent' });
    expect(await seedCatalogue({ outbox, writer, logger })).toEqual([]);
    expect(await listPlatforms(orm)).toEqual([]);
  });
});
