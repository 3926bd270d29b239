import type { Transaction } from '@mikro-orm/core';
import type { DatabaseDriver, Orm } from './create-orm.ts';

/**
 * A database-wide lock around schema changes, so processes starting together on one database
 * (replicas, init containers) change the schema one after the other: the first creates or
 * migrates, the others wait, then find nothing left to do.
 *
 * The lock belongs to a transaction (PostgreSQL `pg_advisory_xact_lock`, SQL Server
 * `sp_getapplock` with the transaction as owner), so it is released on commit, on rollback and
 * when the connection or the process dies. Its name and timeout are bound parameters.
 */
export async function withSchemaLock<T>(orm: Orm, options: { readonly name: string; readonly timeoutMs: number }, work: (transaction: Transaction) => Promise<T>): Promise<T> {
  const connection = orm.em.getConnection();
  return connection.transactional(async (transaction: Transaction) => {
    for (const [sql, params] of lockStatements(driverOf(orm), options)) await connection.execute(sql, [...params], 'run', transaction);
    return work(transaction);
  });
}

/** The driver behind an ORM, from its platform. */
export function driverOf(orm: Orm): DatabaseDriver {
  const platform = orm.em.getPlatform().constructor.name;
  if (platform.startsWith('PostgreSql')) return 'postgresql';
  if (platform.startsWith('MsSql')) return 'mssql';
  return 'sqlite';
}

function lockStatements(driver: DatabaseDriver, options: { readonly name: string; readonly timeoutMs: number }): readonly (readonly [string, readonly unknown[]])[] {
  const { name, timeoutMs } = options;
  if (driver === 'postgresql') {
    return [
      ['select set_config(?, ?, true)', ['lock_timeout', `${timeoutMs}ms`]],
      ['select pg_advisory_xact_lock(hashtext(?))', [name]],
    ];
  }
  if (driver === 'mssql') {
    const applock = [
      'declare @result int;',
      `exec @result = sp_getapplock @Resource = ?, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = ?;`,
      `if @result < 0 throw 50000, 'cannot change the schema: the schema lock was not granted', 1;`,
    ].join(' ');
    return [[applock, [name, timeoutMs]]];
  }
  // SQLite: one embedded database per process; its own write lock serializes writers.
  return [];
}
