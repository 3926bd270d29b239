import { CompiledQuery, Kysely } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CachingNodeSqliteDialect, rowArraysMark } from './sqlite-dialect.ts';

describe('CachingNodeSqliteDialect', () => {
  let db: Kysely<unknown> | undefined;
  afterEach(async () => {
    await db?.destroy();
    db = undefined;
  });

  it('runs-a-reused-statement-with-each-calls-own-values-and-keeps-working-past-its-cache-size', async () => {
    db = new Kysely<unknown>({ dialect: new CachingNodeSqliteDialect(':memory:') });
    const run = async (sql: string, parameters: unknown[]) => (await db!.executeQuery(CompiledQuery.raw(sql, parameters))).rows;
    await run('create table t (id integer primary key, name text)', []);
    for (const name of ['a', 'b', 'c']) await run('insert into t (name) values (?) returning id', [name]);
    expect(await run('select name from t where id = ?', [2])).toEqual([{ name: 'b' }]);
    expect(await run('select name from t where id = ?', [3])).toEqual([{ name: 'c' }]);
    // More distinct texts than the cache keeps: the oldest are prepared again when they come back.
    for (let index = 0; index < 300; index++) expect(await run(`select ${index} as n`, [])).toEqual([{ n: index }]);
    expect(await run('select name from t where id = ?', [1])).toEqual([{ name: 'a' }]);
    const streamed: unknown[] = [];
    // As MikroORM streams: the compiled query marked as a select.
    const select = { ...CompiledQuery.raw('select id from t order by id', []), query: { kind: 'SelectQueryNode' } } as unknown as CompiledQuery;
    for await (const chunk of db.getExecutor().stream(select, 2)) streamed.push(...chunk.rows);
    expect(streamed).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
  });

  it('gives-each-row-as-an-array-of-its-columns-in-select-order-for-a-text-with-the-row-arrays-mark', async () => {
    db = new Kysely<unknown>({ dialect: new CachingNodeSqliteDialect(':memory:') });
    const run = async (sql: string, parameters: unknown[]) => (await db!.executeQuery(CompiledQuery.raw(sql, parameters))).rows;
    await run('create table t (id integer primary key, name text, version integer)', []);
    for (const name of ['a', 'b']) await run('insert into t (name, version) values (?, 7)', [name]);
    expect(await run(`${rowArraysMark}select name, id, version from t where id > ? order by id`, [0])).toEqual([['a', 1, 7], ['b', 2, 7]]);
    // The same text without the mark is another statement, with rows as objects.
    expect(await run('select name, id, version from t where id > ? order by id', [0])).toEqual([{ name: 'a', id: 1, version: 7 }, { name: 'b', id: 2, version: 7 }]);
  });

  it('reads-committed-rows-on-its-read-connection-again-once-the-connection-closed-and-reopened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sqlite-dialect-'));
    try {
      const dialect = new CachingNodeSqliteDialect(join(dir, 'db.sqlite'));
      const reads = dialect.committedReads!;
      db = new Kysely<unknown>({ dialect });
      await db.executeQuery(CompiledQuery.raw('create table t (id integer primary key)', []));
      await db.executeQuery(CompiledQuery.raw('insert into t (id) values (?)', [1]));
      expect(reads.all('select id from t where id = ?', [1])).toEqual([{ id: 1 }]);
      await db.destroy();
      expect(() => reads.all('select id from t where id = ?', [1])).toThrow(/closed/);
      // Connecting again (MikroORM's reconnect) opens the read connection again too.
      db = new Kysely<unknown>({ dialect });
      await db.executeQuery(CompiledQuery.raw('insert into t (id) values (?)', [2]));
      expect(reads.all('select id from t order by id', [])).toEqual([{ id: 1 }, { id: 2 }]);
    } finally {
      await db?.destroy();
      db = undefined;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads-now-only-outside-a-transaction-so-a-read-never-sees-uncommitted-rows', async () => {
    const dialect = new CachingNodeSqliteDialect(':memory:');
    expect(dialect.readNow('select 1 as n', [])).toBeUndefined();
    db = new Kysely<unknown>({ dialect });
    const run = async (sql: string, parameters: unknown[]) => (await db!.executeQuery(CompiledQuery.raw(sql, parameters))).rows;
    await run('create table t (id integer primary key, name text)', []);
    await run('insert into t (name) values (?)', ['a']);
    expect(dialect.readNow('select name from t where id = ?', [1])).toEqual([{ name: 'a' }]);
    // A statement that writes is never run here.
    expect(dialect.readNow('delete from t', [])).toBeUndefined();
    expect(dialect.readNow('update t set name = ? returning id', ['x'])).toBeUndefined();
    expect(dialect.readNow('select count(*) as n from t', [])).toEqual([{ n: 1 }]);
    await db.transaction().execute(async (trx) => {
      await trx.executeQuery(CompiledQuery.raw('insert into t (name) values (?)', ['b']));
      expect(dialect.readNow('select count(*) as n from t', [])).toBeUndefined();
    });
    expect(dialect.readNow('select count(*) as n from t', [])).toEqual([{ n: 2 }]);
  });

  it('applies-each-runs-own-bound-limit-and-offset', async () => {
    db = new Kysely<unknown>({ dialect: new CachingNodeSqliteDialect(':memory:') });
    const run = async (sql: string, parameters: unknown[]) => (await db!.executeQuery(CompiledQuery.raw(sql, parameters))).rows;
    await run('create table t (id integer primary key)', []);
    for (let id = 1; id <= 5; id++) await run('insert into t (id) values (?)', [id]);
    expect(await run('select id from t where id > ? order by id limit ?', [1, 2])).toEqual([{ id: 2 }, { id: 3 }]);
    expect(await run('select id from t where id > ? order by id limit ?', [1, 3])).toEqual([{ id: 2 }, { id: 3 }, { id: 4 }]);
    expect(await run('select id from t order by id LIMIT ? offset ?', [2, 3])).toEqual([{ id: 4 }, { id: 5 }]);
    expect(await run(`${rowArraysMark}select id from t order by id limit ?`, [1])).toEqual([[1]]);
  });
});
