import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxMessageSchema } from '../outbox/outbox-entity.ts';
import { databaseNow, driverOf, nowMillisSql } from './clock.ts';
import { createOrm, type Orm } from './create-orm.ts';
import { createTemporaryPostgresDatabase, type TemporaryDatabase } from './testing.ts';

describe('the database clock', () => {
  let sqlite: Orm;
  let postgres: Orm;
  let database: TemporaryDatabase;
  beforeAll(async () => {
    database = await createTemporaryPostgresDatabase({ prefix: 'runtime_clock' });
    sqlite = await createOrm({ driver: 'sqlite', dbName: ':memory:', entities: [OutboxMessageSchema] });
    postgres = await createOrm({ driver: 'postgresql', url: database.url, entities: [OutboxMessageSchema] });
  });
  afterAll(async () => {
    await sqlite?.close(true);
    await postgres?.close(true);
    await database?.drop();
  });

  it('reads-now-in-epoch-milliseconds-close-to-this-hosts-clock', async () => {
    for (const orm of [sqlite, postgres]) {
      const before = Date.now();
      const now = await databaseNow(orm);
      expect(Number.isSafeInteger(now)).toBe(true);
      // Same host: within a second, and with millisecond precision (not whole seconds every time).
      expect(Math.abs(now - before)).toBeLessThan(1000);
    }
  });

  it('moves-forward-between-reads', async () => {
    for (const orm of [sqlite, postgres]) {
      const first = await databaseNow(orm);
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await databaseNow(orm)).toBeGreaterThan(first);
    }
  });

  it('names-the-driver-and-writes-sql-server-text-without-a-server', async () => {
    const mssql = await createOrm({ driver: 'mssql', url: 'mssql://nobody:none@127.0.0.1:1/none', entities: [OutboxMessageSchema] });
    try {
      expect([driverOf(sqlite), driverOf(postgres), driverOf(mssql)]).toEqual(['sqlite', 'postgresql', 'mssql']);
      expect(nowMillisSql(mssql)).toBe(`datediff_big(millisecond, '19700101', sysutcdatetime())`);
    } finally {
      await mssql.close(true);
    }
  });
});
