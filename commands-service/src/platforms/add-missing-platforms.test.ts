import { isUniqueViolation, type Orm } from '@platform/runtime/db';
import { createTemporaryPostgresDatabase } from '@platform/runtime/db/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Command } from '../commands/command-entity.ts';
import { openDatabase } from '../database.ts';
import { silentLogger } from '../testing/logs.ts';
import { addMissingPlatforms, prepareAddMissingPlatform } from './add-missing-platforms.ts';
import { Platform } from './platform-entity.ts';

interface Target {
  readonly name: string;
  open(): Promise<{ orm: Orm; release(): Promise<void> }>;
}

const targets: Target[] = [
  {
    name: 'sqlite in memory',
    open: async () => ({ orm: await openDatabase({ dbDriver: 'sqlite', dbUrl: ':memory:' }, silentLogger()), release: async () => {} }),
  },
  {
    name: 'postgresql',
    open: async () => {
      const database = await createTemporaryPostgresDatabase({ prefix: 'commands' });
      return { orm: await openDatabase({ dbDriver: 'postgresql', dbUrl: database.url }, silentLogger()), release: database.drop };
    },
  },
];

describe.each(targets)('persistence on $name', (target) => {
  let orm: Orm;
  let release: () => Promise<void>;

  beforeAll(async () => {
    ({ orm, release } = await target.open());
  });

  afterAll(async () => {
    await orm?.close(true);
    await release?.();
  });

  beforeEach(async () => {
    await orm.schema.clear();
  });

  const externalIds = async (): Promise<number[]> =>
    (await orm.em.fork().find(Platform, {}, { orderBy: { externalId: 'asc' } })).map((platform) => platform.externalId);

  it('adds-platforms-it-does-not-know-and-counts-them', async () => {
    const added = await addMissingPlatforms(orm.em.fork(), [
      { id: 3, name: 'Kubernetes' },
      { id: 1, name: 'Dot Net' },
    ]);
    expect(added).toBe(2);
    expect(await externalIds()).toEqual([1, 3]);
  });

  it('leaves-known-platforms-untouched-when-learnt-again', async () => {
    await addMissingPlatforms(orm.em.fork(), [{ id: 1, name: 'Dot Net' }]);
    const added = await addMissingPlatforms(orm.em.fork(), [
      { id: 1, name: 'Renamed' },
      { id: 2, name: 'SQL Server Express' },
      { id: 2, name: 'SQL Server Express' },
    ]);
    expect(added).toBe(1);
    const platforms = await orm.em.fork().find(Platform, {}, { orderBy: { externalId: 'asc' } });
    expect(platforms.map(({ externalId, name }) => ({ externalId, name }))).toEqual([
      { externalId: 1, name: 'Dot Net' },
      { externalId: 2, name: 'SQL Server Express' },
    ]);
  });

  it('adds-one-platform-with-the-prepared-statement-and-ignores-it-when-learnt-again', async () => {
    const addMissingPlatform = prepareAddMissingPlatform(orm);
    expect(await addMissingPlatform({ id: 5, name: "O'Reilly \u00e9dition" })).toBe(1);
    expect(await addMissingPlatform({ id: 5, name: 'Renamed' })).toBe(0);
    expect(await addMissingPlatform({ id: 6, name: 'Deno' })).toBe(1);
    const platforms = await orm.em.fork().find(Platform, {}, { orderBy: { externalId: 'asc' } });
    expect(platforms.map(({ externalId, name }) => ({ externalId, name }))).toEqual([
      { externalId: 5, name: "O'Reilly \u00e9dition" },
      { externalId: 6, name: 'Deno' },
    ]);
  });

  it('adds-a-large-catalogue-in-several-statements', async () => {
    const catalogue = Array.from({ length: 1_234 }, (_, index) => ({ id: index + 1, name: `platform ${index + 1}` }));
    expect(await addMissingPlatforms(orm.em.fork(), catalogue)).toBe(1_234);
    expect(await addMissingPlatforms(orm.em.fork(), catalogue)).toBe(0);
    expect(await orm.em.fork().count(Platform)).toBe(1_234);
  });

  it('refuses-a-second-row-with-the-same-external-id', async () => {
    const em = orm.em.fork();
    em.create(Platform, { externalId: 7, name: 'first' });
    await em.flush();
    const other = orm.em.fork();
    other.create(Platform, { externalId: 7, name: 'second' });
    const error: unknown = await other.flush().then(() => undefined, (thrown: unknown) => thrown);
    expect(isUniqueViolation(error)).toBe(true);
  });

  it('keeps-commands-with-their-platform', async () => {
    await addMissingPlatforms(orm.em.fork(), [{ id: 3, name: 'Kubernetes' }]);
    const em = orm.em.fork();
    const platform = await em.findOneOrFail(Platform, { externalId: 3 });
    const command = em.create(Command, { howTo: 'List the pods', commandLine: 'kubectl get pods', platform });
    await em.flush();
    const read = await orm.em.fork().findOneOrFail(Command, { id: command.id, platform: { externalId: 3 } }, { populate: ['platform'] });
    expect(read).toMatchObject({ howTo: 'List the pods', commandLine: 'kubectl get pods', platform: { externalId: 3, name: 'Kubernetes' } });
  });

  it('rolls-back-added-platforms-with-the-transaction', async () => {
    const attempt = orm.em.fork().transactional(async (em) => {
      await addMissingPlatforms(em, [{ id: 9, name: 'rolled back' }]);
      throw new Error('abort after insert');
    });
    await expect(attempt).rejects.toThrow('abort after insert');
    expect(await externalIds()).toEqual([]);
  });
});
