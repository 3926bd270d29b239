import { createOrm } from '@platform/runtime/db';
import type { DatabaseDriver, Orm } from '@platform/runtime/db';
import { afterEach, describe, expect, it } from 'vitest';
import { entities } from '../database.ts';
import { platformStatements } from './platform-statements.ts';

// The text each driver receives (SQL Server's checked here without a server: it connects lazily).
// The statements run against SQLite and PostgreSQL in write-platforms.test.ts and the REST tests.
const targets: readonly { readonly driver: DatabaseDriver; readonly url?: string; readonly expected: Record<'byId' | 'insert' | 'update' | 'remove' | 'updateExisting' | 'removeExisting', string> }[] = [
  {
    driver: 'sqlite',
    expected: {
      byId: 'select `id`, `name`, `publisher`, `cost`, `version` from `platforms` where `id` = ? and `deleted_at` is null',
      insert: 'insert into `platforms` (`name`, `publisher`, `cost`, `version`, `created_at`) values (?, ?, ?, 1, ?) returning `id`',
      update: 'update `platforms` set `name` = ?, `publisher` = ?, `cost` = ?, `version` = ? where `id` = ? and `version` = ? and `deleted_at` is null',
      remove: 'update `platforms` set `version` = ?, `deleted_at` = ? where `id` = ? and `version` = ? and `deleted_at` is null',
      updateExisting: 'update `platforms` set `name` = ?, `publisher` = ?, `cost` = ?, `version` = `version` + 1 where `id` = ? and `deleted_at` is null returning `version`',
      removeExisting: 'update `platforms` set `version` = `version` + 1, `deleted_at` = ? where `id` = ? and `deleted_at` is null returning `id`, `name`, `publisher`, `cost`, `version`',
    },
  },
  {
    driver: 'postgresql',
    url: 'postgresql://nobody@127.0.0.1:1/none',
    expected: {
      byId: 'select "id", "name", "publisher", "cost", "version" from "platforms" where "id" = $1 and "deleted_at" is null',
      insert: 'insert into "platforms" ("name", "publisher", "cost", "version", "created_at") values ($1, $2, $3, 1, $4) returning "id"',
      update: 'update "platforms" set "name" = $1, "publisher" = $2, "cost" = $3, "version" = $4 where "id" = $5 and "version" = $6 and "deleted_at" is null',
      remove: 'update "platforms" set "version" = $1, "deleted_at" = $2 where "id" = $3 and "version" = $4 and "deleted_at" is null',
      updateExisting: 'update "platforms" set "name" = $1, "publisher" = $2, "cost" = $3, "version" = "version" + 1 where "id" = $4 and "deleted_at" is null returning "version"',
      removeExisting: 'update "platforms" set "version" = "version" + 1, "deleted_at" = $1 where "id" = $2 and "deleted_at" is null returning "id", "name", "publisher", "cost", "version"',
    },
  },
  {
    driver: 'mssql',
    url: 'mssql://nobody:none@127.0.0.1:1/none',
    expected: {
      byId: 'select [id], [name], [publisher], [cost], [version] from [platforms] where [id] = @1 and [deleted_at] is null',
      insert: 'insert into [platforms] ([name], [publisher], [cost], [version], [created_at]) output inserted.[id] values (@1, @2, @3, 1, @4)',
      update: 'update [platforms] set [name] = @1, [publisher] = @2, [cost] = @3, [version] = @4 where [id] = @5 and [version] = @6 and [deleted_at] is null',
      remove: 'update [platforms] set [version] = @1, [deleted_at] = @2 where [id] = @3 and [version] = @4 and [deleted_at] is null',
      updateExisting: 'update [platforms] set [name] = @1, [publisher] = @2, [cost] = @3, [version] = [version] + 1 output inserted.[version] where [id] = @4 and [deleted_at] is null',
      removeExisting: 'update [platforms] set [version] = [version] + 1, [deleted_at] = @1 output inserted.[id], inserted.[name], inserted.[publisher], inserted.[cost], inserted.[version] where [id] = @2 and [deleted_at] is null',
    },
  },
];

describe.each(targets)('platform statements on $driver', ({ driver, url, expected }) => {
  let orm: Orm | undefined;
  afterEach(async () => {
    await orm?.close(true);
    orm = undefined;
  });

  it('are-written-once-in-the-drivers-text-with-a-placeholder-for-every-value', async () => {
    orm = await createOrm(url === undefined ? { driver, dbName: ':memory:', entities } : { driver, url, entities });
    const { byId, insert, update, remove, updateExisting, removeExisting } = platformStatements(orm);
    expect({ byId: byId.sql, insert: insert.sql, update: update.sql, remove: remove.sql, updateExisting: updateExisting.sql, removeExisting: removeExisting.sql }).toEqual(expected);
    expect([byId, insert, update, remove, updateExisting, removeExisting].map((statement) => statement.parameters)).toEqual([1, 4, 6, 4, 4, 2]);
    expect(platformStatements(orm).insert).toBe(insert);
  });
});
