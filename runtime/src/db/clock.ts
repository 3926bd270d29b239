import { AppError, errorCodes } from '../errors/index.ts';
import { createdDriverOf, type DatabaseDriver, type Orm } from './create-orm.ts';

/** Which of the supported drivers `orm` runs on (it must come from `createOrm`). */
export function driverOf(orm: Orm): DatabaseDriver {
  const driver = createdDriverOf(orm);
  if (driver === undefined) throw new AppError(errorCodes.internal, 'cannot tell the database driver of the ORM: it was not made by createOrm');
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
