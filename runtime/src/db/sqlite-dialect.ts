/**
 * Kysely's SQLite dialect over `node:sqlite`, as MikroORM's `NodeSqliteDialect`, except that each
 * statement text is prepared once and then reused (and a bound limit does not undo that, see
 * `withRuntimeLimit`): every value is bound (bound-drivers.ts), so the same text repeats and
 * preparing it anew on each call was about 5 % of a read's CPU (bench/).
 *
 * On a file it also offers a read connection of its own (`committedReads`): in WAL mode a read
 * there sees every committed write and none in progress, and never waits for the ORM's one
 * connection, held by whichever transaction is running.
 */
import { SqliteDialect } from 'kysely';
import type { DatabaseSync, StatementSync } from 'node:sqlite';

/** Prepared statements kept per connection; the least recently added go first beyond this many. */
const cachedStatements = 256;

interface KyselySqliteStatement {
  readonly reader: boolean;
  /** Reads only: returns rows and writes none (no `returning` clause); decided once per text. */
  readonly readOnly: boolean;
  all(params: readonly unknown[]): unknown[];
  run(params: readonly unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(params: readonly unknown[]): unknown;
  iterate(params: readonly unknown[]): IterableIterator<unknown>;
}

const returning = /\breturning\b/i;
/** A statement returns rows when it reads or has a `returning` clause. */
const readsRows = (sql: string): boolean => /^\s*(select|pragma|explain|with)/i.test(sql) || returning.test(sql);

type Value = null | number | bigint | string | NodeJS.ArrayBufferView;

function wrap(statement: StatementSync, sql: string): KyselySqliteStatement {
  return {
    reader: readsRows(sql),
    readOnly: readsRows(sql) && !returning.test(sql),
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

/** `sql` prepared on `db`, its rows as arrays when it starts with `rowArraysMark`. */
function prepareMarked(db: DatabaseSync, sql: string): KyselySqliteStatement & { readonly statement: StatementSync } {
  const arrays = sql.startsWith(rowArraysMark);
  const text = arrays ? sql.slice(rowArraysMark.length) : sql;
  const statement = db.prepare(withRuntimeLimit(text));
  if (arrays) statement.setReturnArrays(true);
  return { ...wrap(statement, text), statement };
}

/** Reads on a connection of their own; see `CachingNodeSqliteDialect.committedReads`. */
export interface CommittedReads {
  /** The rows of a read-only statement, values bound in order; committed writes only. */
  all(sql: string, values: readonly unknown[]): unknown[];
}

/** Statements prepared on `db` once per text, the least recently added dropped beyond `cachedStatements`. */
function statementCache<T>(prepare: (sql: string) => T): Map<string, T> & { of(sql: string): T } {
  const statements = new Map<string, T>();
  return Object.assign(statements, {
    of(sql: string): T {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = prepare(sql);
        if (statements.size >= cachedStatements) statements.delete(statements.keys().next().value as string);
        statements.set(sql, statement);
      }
      return statement;
    },
  });
}

/**
 * The read connection of the file at `path`, opened at its first read and closed with the ORM's
 * connection (`close`); a read after that close is refused until the ORM connects again (`reopen`).
 */
function readConnection(path: string): CommittedReads & { close(): void; reopen(): void } {
  const { DatabaseSync } = process.getBuiltinModule('node:sqlite');
  let db: InstanceType<typeof DatabaseSync> | undefined;
  let closed = false;
  const statements = statementCache((sql) => prepareMarked(db as InstanceType<typeof DatabaseSync>, sql).statement);
  return {
    all(sql, values) {
      if (closed) throw new Error('cannot read: the database is closed');
      if (db === undefined) {
        db = new DatabaseSync(path);
        // Never writes: a statement that tried would fail instead of writing outside the ORM's transactions.
        // A reader waits for no lock in WAL mode, except for a checkpoint's instant: a short timeout.
        db.exec('pragma query_only = 1; pragma busy_timeout = 1000');
      }
      return statements.of(sql).all(...(values as Value[]));
    },
    close() {
      closed = true;
      statements.clear();
      db?.close();
      db = undefined;
    },
    reopen() {
      closed = false;
    },
  };
}

/** The open database of a dialect: its handle and its statement cache. */
interface OpenDatabase {
  readonly db: DatabaseSync;
  prepare(sql: string): KyselySqliteStatement;
}

/** The dialect for the SQLite file (or `:memory:`) at `dbName`. */
export class CachingNodeSqliteDialect extends SqliteDialect {
  /**
   * Reads of committed rows on a connection of their own, for a file in WAL mode (createOrm sets
   * it); undefined in memory, where the ORM's one connection is the database.
   */
  readonly committedReads: CommittedReads | undefined;
  readonly #opened: { current?: OpenDatabase | undefined };

  constructor(dbName: string) {
    const { DatabaseSync } = process.getBuiltinModule('node:sqlite');
    const reader = dbName === ':memory:' ? undefined : readConnection(dbName);
    const opened: { current?: OpenDatabase | undefined } = {};
    super({
      database: async () => {
        reader?.reopen();
        const db = new DatabaseSync(dbName);
        const statements = statementCache((sql) => prepareMarked(db, sql));
        const database = {
          db,
          prepare: (sql: string) => statements.of(sql),
          close() {
            opened.current = undefined;
            statements.clear();
            reader?.close();
            db.close();
          },
        };
        opened.current = database;
        return database;
      },
    } as unknown as ConstructorParameters<typeof SqliteDialect>[0]);
    this.committedReads = reader;
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
    // A write with `returning` also returns rows: such a statement waits for its turn.
    return statement.readOnly ? statement.all(parameters) : undefined;
  }
}
