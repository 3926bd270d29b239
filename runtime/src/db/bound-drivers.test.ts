/**
 * Every statement binds its values: what reaches Kysely's database connection is SQL text with
 * the driver's placeholders plus the values beside it, and a value never appears in the text.
 * Recorded at the connection the driver talks through (after MikroORM and our binding, right
 * before node:sqlite, pg or tedious), for each driver.
 */
import { MikroORM, defineEntity, p } from '@mikro-orm/core';
import { NodeSqliteDialect } from '@mikro-orm/sql';
import { MssqlAdapter, MssqlIntrospector, MssqlQueryCompiler } from 'kysely';
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundMsSqlDriver, boundPostgreSqlDriver, BoundSqliteDriver } from './bound-drivers.ts';
import { createOrm } from './create-orm.ts';
import type { Orm } from './create-orm.ts';
import { ensureSchema } from './ensure-schema.ts';
import { createTemporaryPostgresDatabase } from './testing.ts';
import type { TemporaryDatabase } from './testing.ts';

const ThingSchema = defineEntity({
  name: 'Thing',
  properties: {
    id: p.integer().primary(),
    name: p.string(),
    size: p.integer().nullable(),
    seenAt: p.datetime().nullable(),
  },
});
class Thing extends ThingSchema.class {}
ThingSchema.setClass(Thing);

/** Values that broke or bent statements when MikroORM wrote them into the SQL text. */
const hostileNames = ["it's", 'a ? b', '$1 @1 :name', 'back\\slash', "'); drop table thing; --", 'ok 🙂 ﷽'];

/** Patches a Kysely connection so each statement it runs is recorded first. */
function record(connection: DatabaseConnection, seen: CompiledQuery[]): void {
  const execute = connection.executeQuery.bind(connection);
  connection.executeQuery = <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
    seen.push(query);
    return execute<R>(query);
  };
}

/** A dialect whose connections record their statements. */
function recordingDialect(inner: Dialect, seen: CompiledQuery[]): Dialect {
  return {
    createAdapter: () => inner.createAdapter(),
    createIntrospector: (db) => inner.createIntrospector(db),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createDriver: () => {
      const driver = inner.createDriver();
      const acquire = driver.acquireConnection.bind(driver);
      const patched = new WeakSet<DatabaseConnection>();
      driver.acquireConnection = async () => {
        const connection = await acquire();
        if (!patched.has(connection)) {
          patched.add(connection);
          record(connection, seen);
        }
        return connection;
      };
      return driver;
    },
  };
}

/** Statements that wrote or read rows (not DDL, pragmas or transaction control). */
/** MikroORM.init with options built here (drivers and dialects the ORM's option types do not narrow to). */
function init(options: Record<string, unknown>): Promise<Orm> {
  return MikroORM.init(options as never) as unknown as Promise<Orm>;
}

function dataStatements(seen: readonly CompiledQuery[]): CompiledQuery[] {
  return seen.filter((query) => /^\s*(insert|select|update|delete)\b/i.test(query.sql) && /\bthing\b/i.test(query.sql));
}

function expectAllBound(seen: readonly CompiledQuery[], values: readonly string[], placeholder: RegExp): void {
  const statements = dataStatements(seen);
  expect(statements.length).toBeGreaterThan(0);
  for (const statement of statements) {
    for (const value of values) expect(statement.sql).not.toContain(value);
  }
  const inserts = statements.filter((query) => /^\s*insert/i.test(query.sql));
  expect(inserts.length).toBeGreaterThan(0);
  for (const insert of inserts) expect(insert.sql).toMatch(placeholder);
  const bound = statements.flatMap((query) => query.parameters);
  for (const value of values) expect(bound).toContain(value);
}

async function writeAndRead(orm: Orm, names: readonly string[]): Promise<string[]> {
  const em = orm.em.fork();
  for (const name of names) em.create(Thing, { name, size: 1, seenAt: new Date(1_700_000_000_123) });
  await em.flush();
  const read: string[] = [];
  for (const name of names) read.push((await orm.em.fork().findOneOrFail(Thing, { name })).name);
  return read;
}

describe('bound statements on sqlite (node:sqlite)', () => {
  const seen: CompiledQuery[] = [];
  let orm: Orm;

  beforeAll(async () => {
    orm = await init({ driver: BoundSqliteDriver, dbName: ':memory:', driverOptions: recordingDialect(new NodeSqliteDialect(':memory:'), seen), entities: [ThingSchema] });
    await orm.schema.update({ safe: true });
  });
  afterAll(() => orm?.close(true));

  it('stores-and-reads-a-name-with-a-nul-character-as-a-bound-parameter', async () => {
    expect(await writeAndRead(orm, ['a\u0000b'])).toEqual(['a\u0000b']);
    expectAllBound(seen, ['a\u0000b'], /values \(\?, \?, \?\)/);
  });

  it('binds-hostile-text-so-it-round-trips-unchanged', async () => {
    seen.length = 0;
    expect(await writeAndRead(orm, hostileNames)).toEqual(hostileNames);
    expectAllBound(seen, hostileNames, /\?/);
  });

  it('binds-a-non-finite-number-instead-of-writing-it-as-a-column-name', async () => {
    expect(await orm.em.fork().findOne(Thing, { id: Infinity })).toBeNull();
    expect(await orm.em.fork().count(Thing, { size: { $in: [1, Infinity, -Infinity] } })).toBe(hostileNames.length + 1);
  });
});

describe('bound statements on postgresql (pg)', () => {
  const seen: CompiledQuery[] = [];
  let database: TemporaryDatabase;
  let orm: Orm;

  beforeAll(async () => {
    database = await createTemporaryPostgresDatabase({ prefix: 'bound' });
    orm = await init({
      driver: await boundPostgreSqlDriver(),
      clientUrl: database.url,
      entities: [ThingSchema],
      onCreateConnection: (connection: DatabaseConnection) => record(connection, seen),
    });
    await orm.schema.update({ safe: true });
  });
  afterAll(async () => {
    await orm?.close(true);
    await database?.drop();
  });

  it('binds-hostile-text-with-numbered-placeholders-so-it-round-trips-unchanged', async () => {
    expect(await writeAndRead(orm, hostileNames)).toEqual(hostileNames);
    expectAllBound(seen, hostileNames, /values \(\$1, \$2, \$3\)/);
  });

  it('hands-a-nul-character-to-the-server-as-a-parameter-which-refuses-it-for-text', async () => {
    // PostgreSQL text cannot hold U+0000 (SQLite and SQL Server can); the REST edge rejects it
    // before any driver sees it. Here: it reaches the server as a value, not as SQL text.
    seen.length = 0;
    const em = orm.em.fork();
    em.create(Thing, { name: 'a\u0000b' });
    await expect(em.flush()).rejects.toThrow(/invalid byte sequence for encoding "UTF8": 0x00/);
    const insert = dataStatements(seen).find((query) => /^\s*insert/i.test(query.sql));
    expect(insert?.parameters).toContain('a\u0000b');
    expect(insert?.sql).not.toContain('a\u0000b');
  });
});

describe('bound statements on SQL Server (tedious, no server: the statements Kysely would send)', () => {
  const seen: CompiledQuery[] = [];
  let orm: Orm;

  /** Answers every statement as an insert of id 1 would be answered, and records it. */
  const answering: Dialect = {
    createAdapter: () => new MssqlAdapter(),
    createIntrospector: (db) => new MssqlIntrospector(db),
    createQueryCompiler: () => new MssqlQueryCompiler(),
    createDriver: (): Driver => {
      const connection: DatabaseConnection = {
        executeQuery: async <R>(query: CompiledQuery) => {
          seen.push(query);
          return { rows: (/^\s*insert/i.test(query.sql) ? [{ id: 1 }] : []) as R[], numAffectedRows: 1n };
        },
        streamQuery: () => {
          throw new Error('not used');
        },
      };
      return {
        init: async () => {},
        acquireConnection: async () => connection,
        beginTransaction: async () => {},
        commitTransaction: async () => {},
        rollbackTransaction: async () => {},
        releaseConnection: async () => {},
        destroy: async () => {},
      };
    },
  };

  beforeAll(async () => {
    orm = await init({ driver: await boundMsSqlDriver(), dbName: 'things', driverOptions: answering, entities: [ThingSchema] });
  });
  afterAll(() => orm?.close(true));

  it('sends-inserts-and-selects-with-at-placeholders-and-the-values-as-parameters', async () => {
    const em = orm.em.fork();
    em.create(Thing, { name: 'a\u0000b', size: 2, seenAt: new Date(1_700_000_000_123) });
    await em.flush();
    await orm.em.fork().findOne(Thing, { name: "it's" });
    const [insert, select] = dataStatements(seen);
    expect(insert?.sql).toMatch(/^insert into \[thing\] \(\[name\], \[size\], \[seen_at\]\) output inserted\.\[id\] values \(@1, @2, @3\)/);
    expect(insert?.parameters.slice(0, 2)).toEqual(['a\u0000b', 2]);
    expect(insert?.parameters[2]).toMatch(/^2023-11-1\d \d\d:\d\d:20\.123$/);
    expect(select?.sql).toBe('select top (@1) [t0].* from [thing] as [t0] where [t0].[name] = @2');
    expect(select?.parameters).toEqual([1, "it's"]);
  });
});

describe('createOrm', () => {
  it('uses-the-binding-driver-for-every-database', async () => {
    const sqlite = await createOrm({ driver: 'sqlite', dbName: ':memory:', entities: [ThingSchema] });
    const mssql = await createOrm({ driver: 'mssql', url: 'mssql://sa:unused@127.0.0.1:1/things', entities: [ThingSchema] });
    const database = await createTemporaryPostgresDatabase({ prefix: 'bound' });
    const postgresql = await createOrm({ driver: 'postgresql', url: database.url, entities: [ThingSchema] });
    try {
      const names = [sqlite, postgresql, mssql].map((orm) => orm.em.getDriver().constructor.name);
      expect(names).toEqual(['BoundSqliteDriver', 'BoundPostgreSqlDriver', 'BoundMsSqlDriver']);
      await ensureSchema(sqlite);
      expect(await writeAndRead(sqlite, ['a\u0000b', ...hostileNames])).toEqual(['a\u0000b', ...hostileNames]);
      expect(mssql.config.get('batchSize')).toBe(200);
    } finally {
      await Promise.all([sqlite.close(true), postgresql.close(true), mssql.close(true)]);
      await database.drop();
    }
  });
});
