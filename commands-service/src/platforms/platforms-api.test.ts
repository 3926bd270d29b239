import { createOrm, openDatabase, type Orm } from '@platform/runtime/db';
import { createTemporaryPostgresDatabase } from '@platform/runtime/db/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { commandsServiceDatabase, entities } from '../database.ts';
import { silentLogger } from '../testing/logs.ts';
import { createCatalogueCopy } from './catalogue-copy.ts';
import { createPlatformsApi, listStatement } from './platforms-api.ts';

const targets = [
  { name: 'sqlite in memory', open: async () => ({ orm: await openDatabase({ driver: 'sqlite', url: ':memory:', ...commandsServiceDatabase, logger: silentLogger() }), release: async () => {} }) },
  {
    name: 'postgresql',
    open: async () => {
      const database = await createTemporaryPostgresDatabase({ prefix: 'platforms_api' });
      return { orm: await openDatabase({ driver: 'postgresql', url: database.url, ...commandsServiceDatabase, logger: silentLogger() }), release: database.drop };
    },
  },
] as const;

describe.each(targets)('listPlatforms on $name', (target) => {
  let orm: Orm;
  let release: () => Promise<void>;

  beforeAll(async () => {
    ({ orm, release } = await target.open());
  });
  afterAll(async () => {
    await orm?.close(true);
    await release?.();
  });
  beforeEach(() => orm.schema.clear());

  const listed = async () => {
    const answer = await createPlatformsApi(orm).listPlatforms();
    return answer.body;
  };

  it('lists-live-platforms-by-their-external-id-in-order-and-never-a-tombstone', async () => {
    expect(await listed()).toEqual([]);
    const copy = createCatalogueCopy(orm);
    await copy.apply({ id: 30, name: 'Thirty', version: 1 });
    await copy.apply({ id: 4, name: 'Four', version: 1 });
    await copy.apply({ id: 17, name: 'Gone', version: 1 });
    await copy.remove(17, 2);
    await copy.remove(99, 1);
    expect(await listed()).toEqual([
      { id: 4, name: 'Four' },
      { id: 30, name: 'Thirty' },
    ]);
  });
});

describe('the list statement on SQL Server (text only, no server)', () => {
  it('selects-live-platforms-in-external-id-order-with-no-value-in-the-text', async () => {
    const orm = await createOrm({ driver: 'mssql', url: 'mssql://nobody:none@127.0.0.1:1/none', entities: [...entities] });
    try {
      const statement = listStatement(orm);
      expect(statement.sql).toBe('select [external_id], [name] from [platforms] where [deleted] = 0 order by [external_id] asc');
      expect(statement.parameters).toBe(0);
    } finally {
      await orm.close(true);
    }
  });
});
