/**
 * Kysely's SQLite dialect over `node:sqlite`, as MikroORM's `NodeSqliteDialect`, except that each
 * statement text is prepared once and then reused (and a bound limit does not undo that, see
 * `withRuntimeLimit`): every value is bound (bound-drivers.ts), so the
 * same text repeats and preparing it anew on each call was about 5 % of a read's CPU (bench/).
 */
import { SqliteDialect } from 'kysely';
import type { StatementSync } from 'node:sqlite';

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

/**
 * Prefix of a statement text whose rows come back as arrays of the selected columns, in order
 * (statements.ts, `prepare(source, { arrays: true })`): node:sqlite builds such a row for about
 * 40 % less CPU than an object with one property per column.
 */
export const rowArraysMark = '/* row arrays */ ';

/**
 * A bare bound `limit ?` costs SQLite about 8 us on every run of the statement (measured with
 * node:sqlite 3.54: a one-row read by id 7.4 us against 4.0 us, a 500-row page 172 against 163 us;
 * the planner may use a bound limit's value, so binding one sends the statement through preparation
 * again). Behind a cast the value is still bound, and only read when the statement runs.
 */
const bareLimit = /\blimit \?(?!\d)/gi;

function withRuntimeLimit(sql: string): string {
  return sql.replace(bareLimit, 'limit cast(? as integer)');
}

/** The dialect for the SQLite file (or `:memory:`) at `dbName`. */
export class CachingNodeSqliteDialect extends SqliteDialect {
  constructor(dbName: string) {
    const { DatabaseSync } = process.getBuiltinModule('node:sqlite');
    super({
      database: async () => {
        const db = new DatabaseSync(dbName);
        const statements = new Map<string, KyselySqliteStatement>();
        return {
          prepare(sql: string) {
            let statement = statements.get(sql);
            if (statement === undefined) {
              const arrays = sql.startsWith(rowArraysMark);
              const text = arrays ? sql.slice(rowArraysMark.length) : sql;
              const prepared = db.prepare(withRuntimeLimit(text));
              if (arrays) prepared.setReturnArrays(true);
              statement = wrap(prepared, text);
              if (statements.size >= cachedStatements) statements.delete(statements.keys().next().value as string);
              statements.set(sql, statement);
            }
            return statement;
          },
          close() {
            statements.clear();
            db.close();
          },
        };
      },
    } as unknown as ConstructorParameters<typeof SqliteDialect>[0]);
  }
}
