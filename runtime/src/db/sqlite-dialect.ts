/**
 * Kysely's SQLite dialect over `node:sqlite`, as MikroORM's `NodeSqliteDialect`, except that each
 * statement text is prepared once and then reused: every value is bound (bound-drivers.ts), so the
 * same text repeats and preparing it anew on each call was about 5 % of a read's CPU (bench/).
 */
import { SqliteDialect } from 'kysely';
import type { DatabaseSync, StatementSync } from 'node:sqlite';

/** Prepared statements kept per connection; the least recently added go first beyond this many. */
const cachedStatements = 256;

interface KyselySqliteStatement {
  readonly reader: boolean;
  all(params: readonly unknown[]): unknown[];
  run(params: readonly unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(params: readonly unknown[]): unknown;
  iterate(params: readonly unknown[]): IterableIterator<unknown>;
}

/** A statement returns rows when it reads or has a `returning` clause. */
const readsRows = (sql: string): boolean => /^\s*(select|pragma|explain|with)/i.test(sql) || /\breturning\b/i.test(sql);

type Value = null | number | bigint | string | NodeJS.ArrayBufferView;

function wrap(statement: StatementSync, sql: string): KyselySqliteStatement {
  return {
    reader: readsRows(sql),
    all: (params) => statement.all(...(params as Value[])),
    run: (params) => statement.run(...(params as Value[])),
    get: (params) => statement.get(...(params as Value[])),
    iterate: (params) => statement.iterate(...(params as Value[])),
  };
}

/** The open database of a dialect: its handle and its statement cache. */
interface OpenDatabase {
  readonly db: DatabaseSync;
  prepare(sql: string): KyselySqliteStatement;
}

/** The dialect for the SQLite file (or `:memory:`) at `dbName`. */
export class CachingNodeSqliteDialect extends SqliteDialect {
  readonly #opened: { current?: OpenDatabase | undefined };

  constructor(dbName: string) {
    const { DatabaseSync } = process.getBuiltinModule('node:sqlite');
    const opened: { current?: OpenDatabase | undefined } = {};
    super({
      database: async () => {
        const db = new DatabaseSync(dbName);
        const statements = new Map<string, KyselySqliteStatement>();
        const database = {
          db,
          prepare(sql: string) {
            let statement = statements.get(sql);
            if (statement === undefined) {
              statement = wrap(db.prepare(sql), sql);
              if (statements.size >= cachedStatements) statements.delete(statements.keys().next().value as string);
              statements.set(sql, statement);
            }
            return statement;
          },
          close() {
            opened.current = undefined;
            statements.clear();
            db.close();
          },
        };
        opened.current = database;
        return database;
      },
    } as unknown as ConstructorParameters<typeof SqliteDialect>[0]);
    this.#opened = opened;
  }

  /**
   * The rows of a reading statement, run now, synchronously, on the one connection; undefined
   * when it cannot be (the connection not open yet, a statement that does not read, or a
   * transaction open on the connection). Outside a transaction every statement run through
   * Kysely (whoever holds its connection mutex between awaits) has committed, so reading now sees
   * exactly what a read queued behind the mutex would, without the mutex, the connection provider
   * and their promises (bench: about a third of a read by id).
   */
  readNow(sql: string, parameters: readonly unknown[]): unknown[] | undefined {
    const database = this.#opened.current;
    if (database === undefined || database.db.isTransaction) return undefined;
    const statement = database.prepare(sql);
    return statement.reader ? statement.all(parameters) : undefined;
  }
}
