/**
 * Kysely's SQLite dialect over `node:sqlite`, as MikroORM's `NodeSqliteDialect`, except that each
 * statement text is prepared once per connection and kept: every value is bound (bound-drivers.ts),
 * so the same few texts repeat, and preparing a multi-row statement anew was the largest share of
 * the start-up sync's CPU (bench profile: 14 %). Steps of a statement never overlap on one
 * connection (Kysely runs one query at a time on it), so reusing a prepared statement is safe.
 */
import { DatabaseSync } from 'node:sqlite';
import type { StatementSync } from 'node:sqlite';
import { SqliteDialect } from 'kysely';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Most statements kept prepared per connection; past it the oldest one is dropped. */
const maxStatements = 256;

const readerPattern = /^\s*(select|pragma|explain|with)/i;
const returningPattern = /\breturning\b/i;

export class CachedNodeSqliteDialect extends SqliteDialect {
  constructor(dbName: string) {
    super({
      database: async (): Promise<SqliteDatabase> => {
        const db = new DatabaseSync(dbName);
        const statements = new Map<string, SqliteStatement>();
        return {
          prepare(sql: string) {
            let prepared = statements.get(sql);
            if (prepared === undefined) {
              const statement: StatementSync = db.prepare(sql);
              prepared = {
                reader: readerPattern.test(sql) || returningPattern.test(sql),
                all: (params) => statement.all(...(params as never[])),
                run: (params) => statement.run(...(params as never[])),
                iterate: (params) => statement.iterate(...(params as never[])),
              };
              if (statements.size >= maxStatements) statements.delete(statements.keys().next().value as string);
              statements.set(sql, prepared);
            }
            return prepared;
          },
          close() {
            statements.clear();
            db.close();
          },
        };
      },
    });
  }
}
