import { createOrm } from '@platform/runtime/db';
import type { DatabaseDriver, Orm } from '@platform/runtime/db';
import { afterEach, describe, expect, it } from 'vitest';
import { entities } from '../database.ts';
import { findPlatform, listPlatforms } from './read-platforms.ts';

// Statement text only: the connection's execute is replaced, so no server is needed (PostgreSQL and
// SQL Server connect lazily). Reads against real databases are covered by the REST and gRPC tests.
const targets: readonly { readonly driver: DatabaseDriver; readonly url?: string; readonly byId: string; readonly page: string }[] = [
  {
    driver: 'sqlite',
    byId: 'select `p0`.`id`, `p0`.`name`, `p0`.`publisher`, `p0`.`cost`, `p0`.`version` from `platforms` as `p0` where `p0`.`id` = 42 and `p0`.`deleted_at` is null limit 1',
    page: 'select `p0`.`id`, `p0`.`name`, `p0`.`publisher`, `p0`.`cost`, `p0`.`version` from `platforms` as `p0` where `p0`.`id` > 0 and `p0`.`deleted_at` is null order by `p0`.`id` asc limit 7',
  },
  {
    driver: 'postgresql',
    url: 'postgresql://nobody@127.0.0.1:1/none',
    byId: 'select "p0"."id", "p0"."name", "p0"."publisher", "p0"."cost", "p0"."version" from "platforms" as "p0" where "p0"."id" = 42 and "p0"."deleted_at" is null limit 1',
    page: 'select "p0"."id", "p0"."name", "p0"."publisher", "p0"."cost", "p0"."version" from "platforms" as "p0" where "p0"."id" > 0 and "p0"."deleted_at" is null order by "p0"."id" asc limit 7',
  },
  {
    driver: 'mssql',
    url: 'mssql://nobody:none@127.0.0.1:1/none',
    byId: 'select top (1) [p0].[id], [p0].[name], [p0].[publisher], [p0].[cost], [p0].[version] from [platforms] as [p0] where [p0].[id] = 42 and [p0].[deleted_at] is null',
    page: 'select top (7) [p0].[id], [p0].[name], [p0].[publisher], [p0].[cost], [p0].[version] from [platforms] as [p0] where [p0].[id] > 0 and [p0].[deleted_at] is null order by [p0].[id] asc',
  },
];

describe.each(targets)('platform reads on $driver', ({ driver, url, byId, page }) => {
  let opened: Orm | undefined;
  afterEach(async () => {
    await opened?.close(true);
    opened = undefined;
  });

  async function statementsOf(read: (reading: Orm) => Promise<unknown>): Promise<string[]> {
    const orm = await createOrm(url === undefined ? { driver, dbName: ':memory:', entities } : { driver, url, entities });
    opened = orm;
    const connection = orm.em.getConnection('read');
    const platform = orm.em.getPlatform();
    const statements: string[] = [];
    connection.execute = (async (sql: string, params: unknown[]) => {
      statements.push(platform.formatQuery(sql, params));
      return [];
    }) as typeof connection.execute;
    await read(orm);
    return statements;
  }

  it('reads-one-platform-with-the-drivers-own-limit-syntax', async () => {
    expect(await statementsOf((reading) => findPlatform(reading, 42))).toEqual([byId]);
  });

  it('reads-pages-after-a-key-in-id-order-with-the-drivers-own-limit-syntax', async () => {
    expect(await statementsOf((reading) => listPlatforms(reading, 7))).toEqual([page]);
  });
});
