import { createOrm, type Orm } from '@platform/runtime/db';
import { createTemporaryPostgresDatabase } from '@platform/runtime/db/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Command } from '../commands/command-entity.ts';
import { openDatabase } from '@platform/runtime/db';
import { commandsServiceDatabase, entities } from '../database.ts';
import { silentLogger } from '../testing/logs.ts';
import { createCatalogueCopy, type CatalogueCopy } from './catalogue-copy.ts';
import { catalogueStatements } from './catalogue-statements.ts';
import { Platform } from './platform-entity.ts';

const targets = [
  { name: 'sqlite in memory', open: async () => ({ orm: await openDatabase({ driver: 'sqlite', url: ':memory:', ...commandsServiceDatabase, logger: silentLogger() }), release: async () => {} }) },
  {
    name: 'postgresql',
    open: async () => {
      const database = await createTemporaryPostgresDatabase({ prefix: 'catalogue_copy' });
      return { orm: await openDatabase({ driver: 'postgresql', url: database.url, ...commandsServiceDatabase, logger: silentLogger() }), release: database.drop };
    },
  },
] as const;

describe.each(targets)('the catalogue copy on $name', (target) => {
  let orm: Orm;
  let release: () => Promise<void>;
  let copy: CatalogueCopy;

  beforeAll(async () => {
    ({ orm, release } = await target.open());
    copy = createCatalogueCopy(orm);
  });
  afterAll(async () => {
    await orm?.close(true);
    await release?.();
  });
  beforeEach(() => orm.schema.clear());

  const held = async (id: number) => {
    const row = await orm.em.fork().findOne(Platform, { externalId: id });
    return row === null ? undefined : { name: row.name, version: row.version, deleted: row.deleted };
  };
  async function addCommand(id: number): Promise<void> {
    const em = orm.em.fork();
    em.create(Command, { howTo: 'h', commandLine: 'c', platform: await em.findOneOrFail(Platform, { externalId: id }) });
    await em.flush();
  }

  it('applies-a-create-once-and-a-duplicate-changes-nothing', async () => {
    expect(await copy.apply({ id: 1, name: 'Dot Net', version: 1 })).toBe(true);
    expect(await copy.apply({ id: 1, name: 'Dot Net', version: 1 })).toBe(false);
    expect(await held(1)).toEqual({ name: 'Dot Net', version: 1, deleted: false });
  });

  it('applies-events-arriving-together-in-one-group-each-with-its-own-outcome', async () => {
    await copy.apply({ id: 1, name: 'v1', version: 1 });
    const outcomes = await Promise.all([
      copy.apply({ id: 2, name: 'two', version: 1 }),
      copy.apply({ id: 1, name: 'v1 again', version: 1 }),
      copy.apply({ id: 1, name: 'v2', version: 2 }),
      copy.apply({ id: 2, name: 'two again', version: 1 }),
    ]);
    expect(outcomes).toEqual([true, false, true, false]);
    expect([await held(1), await held(2)]).toEqual([
      { name: 'v2', version: 2, deleted: false },
      { name: 'two', version: 1, deleted: false },
    ]);
  });

  it('fails-only-the-event-that-cannot-be-written-when-a-group-fails', async () => {
    const outcomes = await Promise.allSettled([
      copy.apply({ id: 3, name: 'three', version: 1 }),
      // No name: the NOT NULL constraint refuses it, and with it the group's transaction.
      copy.apply({ id: 4, name: null as unknown as string, version: 1 }),
      copy.apply({ id: 5, name: 'five', version: 1 }),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect([await held(3), await held(4), await held(5)]).toEqual([{ name: 'three', version: 1, deleted: false }, undefined, { name: 'five', version: 1, deleted: false }]);
  });

  it('applies-only-newer-versions-whatever-the-order-of-arrival', async () => {
    await copy.apply({ id: 1, name: 'v1', version: 1 });
    expect(await copy.apply({ id: 1, name: 'v3', version: 3 })).toBe(true);
    expect(await copy.apply({ id: 1, name: 'v2', version: 2 })).toBe(false);
    expect(await copy.apply({ id: 1, name: 'v3 again', version: 3 })).toBe(false);
    expect(await held(1)).toEqual({ name: 'v3', version: 3, deleted: false });
  });

  it('inserts-a-platform-whose-update-overtook-its-create-and-then-ignores-the-create', async () => {
    expect(await copy.apply({ id: 7, name: 'renamed', version: 2 })).toBe(true);
    expect(await copy.apply({ id: 7, name: 'original', version: 1 })).toBe(false);
    expect(await held(7)).toEqual({ name: 'renamed', version: 2, deleted: false });
  });

  it('deletes-into-a-tombstone-removing-its-commands-and-ignores-what-comes-late', async () => {
    await copy.apply({ id: 1, name: 'doomed', version: 1 });
    await addCommand(1);
    await copy.apply({ id: 2, name: 'kept', version: 1 });
    await addCommand(2);
    expect(await copy.remove(1, 3)).toBe(true);
    expect(await held(1)).toEqual({ name: 'doomed', version: 3, deleted: true });
    expect(await orm.em.fork().count(Command, {})).toBe(1);
    expect(await copy.remove(1, 3)).toBe(false);
    expect(await copy.apply({ id: 1, name: 'late update', version: 2 })).toBe(false);
    expect(await copy.apply({ id: 1, name: 'late create', version: 1 })).toBe(false);
    expect(await held(1)).toMatchObject({ deleted: true });
  });

  it('keeps-a-tombstone-for-a-delete-that-overtook-everything-else', async () => {
    expect(await copy.remove(9, 4)).toBe(true);
    expect(await held(9)).toEqual({ name: '', version: 4, deleted: true });
    expect(await copy.apply({ id: 9, name: 'create', version: 1 })).toBe(false);
    expect(await copy.apply({ id: 9, name: 'update', version: 3 })).toBe(false);
    expect(await held(9)).toMatchObject({ deleted: true, version: 4 });
  });

  it('converges-on-the-newest-state-under-concurrent-events-in-any-order', async () => {
    const events = [
      () => copy.apply({ id: 5, name: 'v1', version: 1 }),
      ...Array.from({ length: 8 }, (_, index) => () => copy.apply({ id: 5, name: `v${index + 2}`, version: index + 2 })),
    ];
    for (let round = 0; round < 3; round++) await Promise.all(events.toSorted(() => Math.random() - 0.5).map((event) => event()));
    expect(await held(5)).toEqual({ name: 'v9', version: 9, deleted: false });
    await Promise.all([copy.remove(5, 10), copy.apply({ id: 5, name: 'late', version: 8 }), copy.remove(5, 10)]);
    expect(await held(5)).toEqual({ name: 'v9', version: 10, deleted: true });
  });

  it('syncs-a-batch-applying-what-is-newer-and-stamping-every-platform-seen', async () => {
    await copy.apply({ id: 1, name: 'stale', version: 1 });
    await copy.apply({ id: 2, name: 'newer here', version: 4 });
    await copy.apply({ id: 3, name: 'not in the batch', version: 1 });
    await copy.remove(4, 2);
    // The clock has millisecond precision: the stamps above must be strictly before `since`.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const since = await copy.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await copy.syncBatch([
      { id: 1, name: 'fresh', version: 2 },
      { id: 2, name: 'older there', version: 3 },
      { id: 4, name: 'deleted here', version: 1 },
      { id: 5, name: 'new', version: 1 },
    ], since)).toBe(2);
    expect(await copy.removeUnseenSince(since)).toBe(1);
    expect([await held(1), await held(2), await held(3), await held(4), await held(5)]).toEqual([
      { name: 'fresh', version: 2, deleted: false },
      { name: 'newer here', version: 4, deleted: false },
      { name: 'not in the batch', version: 1, deleted: true },
      { name: '', version: 2, deleted: true },
      { name: 'new', version: 1, deleted: false },
    ]);
  });

  it('stamps-without-since-every-platform-of-the-batch', async () => {
    await copy.apply({ id: 1, name: 'kept', version: 2 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const since = await copy.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await copy.syncBatch([{ id: 1, name: 'older there', version: 1 }])).toBe(0);
    expect(await copy.removeUnseenSince(since)).toBe(0);
    expect(await held(1)).toEqual({ name: 'kept', version: 2, deleted: false });
  });

  it('syncs-batches-larger-than-one-statement', async () => {
    const catalogue = Array.from({ length: 1_234 }, (_, index) => ({ id: index + 1, name: `platform ${index + 1}`, version: 1 }));
    expect(await copy.syncBatch(catalogue)).toBe(1_234);
    expect(await copy.syncBatch(catalogue)).toBe(0);
    expect(await orm.em.fork().count(Platform, { deleted: false })).toBe(1_234);
  });
});

describe('the catalogue statements on SQL Server (text only, no server)', () => {
  it('merges-under-holdlock-with-bound-values-and-the-servers-clock', async () => {
    const orm = await createOrm({ driver: 'mssql', url: 'mssql://nobody:none@127.0.0.1:1/none', entities: [...entities] });
    try {
      const statements = catalogueStatements(orm);
      const now = "datediff_big(millisecond, '19700101', sysutcdatetime())";
      expect(statements.upsert(2)).toBe(
        'merge into [platforms] with (holdlock) as target using (values (?, ?, ?), (?, ?, ?)) as incoming ([external_id], [name], [version]) ' +
          'on target.[external_id] = incoming.[external_id] ' +
          `when not matched then insert ([external_id], [name], [version], [deleted], [changed_at]) values (incoming.[external_id], incoming.[name], incoming.[version], 0, ${now}) ` +
          `when matched and target.[version] < incoming.[version] and target.[deleted] = 0 then update set [name] = incoming.[name], [version] = incoming.[version], [changed_at] = ${now};`,
      );
      expect(statements.tombstone).toContain(`using (values (?, N'', ?)) as incoming`);
      expect(statements.tombstone).toContain(`then update set [version] = incoming.[version], [deleted] = 1, [changed_at] = ${now};`);
      expect(statements.sweep).toBe(`update [platforms] set [deleted] = 1, [changed_at] = ${now} where [deleted] = 0 and [changed_at] < ?`);
      expect(statements.removeCommandsOfTombstone).toBe('delete from [commands] where [platform_id] in (select [id] from [platforms] where [deleted] = 1 and [external_id] = ?)');
    } finally {
      await orm.close(true);
    }
  });
});
