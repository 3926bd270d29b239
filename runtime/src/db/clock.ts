import { AppError, errorCodes } from '../errors/index.ts';
import type { DatabaseDriver, Orm } from './create-orm.ts';

const driverClasses: Readonly<Record<string, DatabaseDriver>> = { SqliteDriver: 'sqlite', PostgreSqlDriver: 'postgresql', MsSqlDriver: 'mssql' };

/** Which of the supported drivers `orm` runs on. */
export function driverOf(orm: Orm): DatabaseDriver {
  const name = (orm.config.get('driver') as { name?: string } | undefined)?.name ?? '';
  const driver = driverClasses[name];
  if (driver === undefined) throw new AppError(errorCodes.internal, `cannot tell the database driver of the ORM: ${name || 'none'} is not supported`);
  return driver;
}

/**
 * SQL for now in epoch milliseconds on the database's own clock, as an integer. Replicas of a
 * service on several hosts share one database, so its clock orders their writes where the hosts'
 * clocks, which drift apart, could not.
 */
export function nowMillisSql(orm: Orm): string {
  switch (driverOf(orm)) {
    case 'mssql':
      return `datediff_big(millisecond, '19700101', sysutcdatetime())`;
    case 'postgresql':
      return 'cast(extract(epoch from clock_timestamp()) * 1000 as bigint)';
    case 'sqlite':
      return `cast(unixepoch('subsec') * 1000 as integer)`;
  }
}

/** Now on the database's clock, in epoch milliseconds. */
export async function databaseNow(orm: Orm): Promise<number> {
  const [row] = await orm.em.getConnection().execute<{ now: number | string }[]>(`select ${nowMillisSql(orm)} as ${orm.em.getPlatform().quoteIdentifier('now')}`, [], 'all');
  const value = Number(row?.now);
  if (!Number.isSafeInteger(value)) throw new AppError(errorCodes.internal, `cannot read the database clock: got ${String(row?.now)}`);
  return value;
}
