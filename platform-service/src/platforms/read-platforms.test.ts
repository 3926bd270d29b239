import { createOrm } from '@platform/runtime/db';
import type { DatabaseDriver, Orm } from '@platform/runtime/db';
import { recordDriverStatements } from '@platform/runtime/db/testing';
import type { RecordedStatement } from '@platform/runtime/db/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { entities } from '../database.ts';
import { Platform } from './platform-entity.ts';
import { findPlatform, listPlatformViews, listPlatforms, listPlatformsAs, platformPagesAs } from './read-platforms.ts';

// Statement text only, as the driver receives it (placeholders, values beside): the driver client is
// replaced, so no server is needed (PostgreSQL and SQL Server connect lazily). Reads against real
// databases are covered by the REST and gRPC tests.
const targets: readonly { readonly driver: DatabaseDriver; readonly url?: string; readonly byId: RecordedStatement; readonly page: RecordedStatement; readonly viewPage: RecordedStatement }[] = [
  {
    driver: 'sqlite',
    byId: { sql: '/* row arrays */ select `p0`.`id`, `p0`.`name`, `p0`.`publisher`, `p0`.`cost`, `p0`.`version` from `platforms` as `p0` where `p0`.`id` = ? and `p0`.`deleted_at` is null limit ?', parameters: [42, 1] },
    page: { sql: 'select `p0`.`id`, `p0`.`name`, `p0`.`publisher`, `p0`.`cost`, `p0`.`version` from `platforms` as `p0` where `p0`.`id` > ? and `p0`.`deleted_at` is null order by `p0`.`id` asc limit ?', parameters: [0, 7] },
    viewPage: { sql: '/* row arrays */ select `p0`.`id`, `p0`.`name`, `p0`.`publisher`, `p0`.`cost` from `platforms` as `p0` where `p0`.`id` > ? and `p0`.`deleted_at` is null order by `p0`.`id` asc limit ?', parameters: [0, 7] },
  },
  {
    driver: 'postgresql',
    url: 'postgresql://nobody@127.0.0.1:1/none',
    byId: { sql: 'select "p0"."id", "p0"."name", "p0"."publisher", "p0"."cost", "p0"."version" from "platforms" as "p0" where "p0"."id" = $1 and "p0"."deleted_at" is null limit $2', parameters: [42, 1] },
    page: { sql: 'select "p0"."id", "p0"."name", "p0"."publisher", "p0"."cost", "p0"."version" from "platforms" as "p0" where "p0"."id" > $1 and "p0"."deleted_at" is null order by "p0"."id" asc limit $2', parameters: [0, 7] },
    viewPage: { sql: 'select "p0"."id", "p0"."name", "p0"."publisher", "p0"."cost" from "platforms" as "p0" where "p0"."id" > $1 and "p0"."deleted_at" is null order by "p0"."id" asc limit $2', parameters: [0, 7] },
  },
  {
    driver: 'mssql',
    url: 'mssql://nobody:none@127.0.0.1:1/none',
    byId: { sql: 'select top (@1) [p0].[id], [p0].[name], [p0].[publisher], [p0].[cost], [p0].[version] from [platforms] as [p0] where [p0].[id] = @2 and [p0].[deleted_at] is null', parameters: [1, 42] },
    page: { sql: 'select top (@1) [p0].[id], [p0].[name], [p0].[publisher], [p0].[cost], [p0].[version] from [platforms] as [p0] where [p0].[id] > @2 and [p0].[deleted_at] is null order by [p0].[id] asc', parameters: [7, 0] },
    viewPage: { sql: 'select top (@1) [p0].[id], [p0].[name], [p0].[publisher], [p0].[cost] from [platforms] as [p0] where [p0].[id] > @2 and [p0].[deleted_at] is null order by [p0].[id] asc', parameters: [7, 0] },
  },
];

describe.each(targets)('platform reads on $driver', ({ driver, url, byId, page, viewPage }) => {
  let opened: Orm | undefined;
  afterEach(async () => {
    await opened?.close(true);
    opened = undefined;
  });

  async function statementsOf(read: (reading: Orm) => Promise<unknown>): Promise<RecordedStatement[]> {
    const orm = await createOrm(url === undefined ? { driver, dbName: ':memory:', entities } : { driver, url, entities });
    opened = orm;
    const statements = recordDriverStatements(orm);
    await read(orm);
    return statements;
  }

  it('reads-one-platform-with-the-drivers-own-limit-syntax', async () => {
    expect(await statementsOf((reading) => findPlatform(reading, 42))).toEqual([byId]);
  });

  it('reads-pages-after-a-key-in-id-order-with-the-drivers-own-limit-syntax', async () => {
    expect(await statementsOf((reading) => listPlatforms(reading, 7))).toEqual([page]);
    expect(await statementsOf((reading) => listPlatformViews(reading, 7))).toEqual([viewPage]);
  });
});

describe('platform views on sqlite', () => {
  it('lists-every-existing-platform-page-by-page-in-id-order-as-its-view', async () => {
    const orm = await createOrm({ driver: 'sqlite', dbName: ':memory:', entities });
    try {
      await orm.schema.create();
      const em = orm.em.fork();
      for (let index = 1; index <= 5; index++) em.create(Platform, { name: `P${index}`, publisher: 'X', cost: 'Free', version: index, createdAt: new Date(), deletedAt: index === 3 ? new Date() : null });
      await em.flush();
      const views = [1, 2, 4, 5].map((id) => ({ id, name: `P${id}`, publisher: 'X', cost: 'Free' }));
      expect(await listPlatformViews(orm, 2)).toEqual(views);
      expect(await listPlatformViews(orm)).toEqual(views);
      // The answer's bytes: members in the contract's order, ids as numbers.
      expect(JSON.stringify(await listPlatformViews(orm, 3))).toBe(JSON.stringify(views));
    } finally {
      await orm.close(true);
    }
  });

  it('pages-the-existing-platforms-as-their-columns-in-id-order', async () => {
    const orm = await createOrm({ driver: 'sqlite', dbName: ':memory:', entities });
    try {
      await orm.schema.create();
      const em = orm.em.fork();
      for (let index = 1; index <= 5; index++) em.create(Platform, { name: `P${index}`, publisher: 'X', cost: 'Free', version: index, createdAt: new Date(), deletedAt: index === 3 ? new Date() : null });
      await em.flush();
      const columns = [1, 2, 4, 5].map((id) => [id, `P${id}`, 'X', 'Free', id]);
      const pages = [];
      for await (const page of platformPagesAs(orm, { pageSize: 2 }, (row) => [...row])) pages.push(page);
      expect(pages).toEqual([columns.slice(0, 2), columns.slice(2)]);
      const after = [];
      for await (const page of platformPagesAs(orm, { pageSize: 10, afterId: 2 }, ([id, name]) => `${id} ${name}`)) after.push(...page);
      expect(after).toEqual(['4 P4', '5 P5']);
      expect(await listPlatformsAs(orm, ([id]) => id, 3)).toEqual([1, 2, 4, 5]);
      // The same rows as the object reads give.
      expect((await listPlatforms(orm)).map(({ id, name, publisher, cost, version }) => [id, name, publisher, cost, version])).toEqual(columns);
    } finally {
      await orm.close(true);
    }
  });
});
