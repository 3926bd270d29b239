/**
 * Hot reads without the ORM's per-statement machinery. On a SQLite file, `readRows` runs a read
 * on a connection of its own (WAL: it sees every committed write and never waits for a writer's
 * transaction), with each statement prepared once and its values bound; the grpc-js baseline of
 * the bench reads the same way. Anywhere else (PostgreSQL, SQL Server, SQLite in memory, or with
 * the ORM's SQL debug log on) it runs through the ORM's read connection, as every other statement,
 * values bound all the same (bound-drivers.ts).
 */
import { DatabaseSync } from 'node:sqlite';
import type { StatementSync } from 'node:sqlite';
import type { Orm } from './create-orm.ts';

/** A value a prepared read binds as it is. */
export type ReadValue = number | string | bigint | null;

interface SqliteReader {
  all(sql: string, values: readonly ReadValue[]): unknown[];
  close(): void;
}

const readers = new WeakMap<Orm, SqliteReader>();

/** Most statements kept prepared per reader; reads are a handful of fixed texts, so this only bounds a misuse. */
const maxStatements = 64;

/** Opens the read connection of a SQLite file ORM and closes it with the ORM (called by createOrm). */
export function attachSqliteReader(orm: Orm, path: string): void {
  let db: DatabaseSync | undefined;
  const statements = new Map<string, StatementSync>();
  const reader: SqliteReader = {
    all(sql, values) {
      if (db === undefined) {
        db = new DatabaseSync(path);
        // Never writes: a bug that tried would fail instead of writing outside the ORM's transactions.
        db.exec('pragma query_only = 1; pragma busy_timeout = 5000');
      }
      let statement = statements.get(sql);
      if (statement === undefined) {
        if (statements.size >= maxStatements) statements.clear();
        statement = db.prepare(sql);
        statements.set(sql, statement);
      }
      return statement.all(...values);
    },
    close() {
      statements.clear();
      db?.close();
      db = undefined;
      readers.delete(orm);
    },
  };
  readers.set(orm, reader);
  const close = orm.close.bind(orm);
  orm.close = async (force?: boolean) => {
    reader.close();
    return close(force);
  };
}

/**
 * Runs a read-only statement (`?` for each value; no arrays, identifiers or raw fragments) and
 * resolves with its rows as the driver returns them.
 */
export async function readRows<T>(orm: Orm, sql: string, values: readonly ReadValue[]): Promise<T[]> {
  const reader = readers.get(orm);
  if (reader !== undefined && orm.config.get('debug') === false) return reader.all(sql, values) as T[];
  return orm.em.getConnection('read').execute<T[]>(sql, [...values], 'all');
}
