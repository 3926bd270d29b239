/**
 * The database settings every part with a database reads, in its own config: DB_DRIVER and DB_URL.
 */
import { oneOf, optionalString } from '../config/index.ts';
import type { ConfigProblem } from '../config/index.ts';
import { databaseDrivers } from './create-orm.ts';
import type { DatabaseDriver } from './create-orm.ts';
import type { DatabaseLocation } from './open-database.ts';

/** The settings to spread into a part's config schema; `databaseLocation` turns them into `config.database`. */
export const databaseSettings = {
  /** DB_DRIVER: sqlite (default), postgresql or mssql. */
  dbDriver: oneOf('DB_DRIVER', databaseDrivers, 'sqlite'),
  /** DB_URL. sqlite: a file path (default `data/<part>.sqlite`) or `:memory:`; postgresql / mssql: the connection URL (required). */
  dbUrl: optionalString('DB_URL'),
};

const serverProtocols: Readonly<Record<Exclude<DatabaseDriver, 'sqlite'>, readonly string[]>> = {
  postgresql: ['postgresql:', 'postgres:'],
  mssql: ['mssql:', 'sqlserver:'],
};

/** The database of `part` as configured, each problem reported through `problem`. */
export function databaseLocation(values: { readonly dbDriver: DatabaseDriver; readonly dbUrl: string | undefined }, part: string, problem: ConfigProblem): DatabaseLocation {
  const { dbDriver: driver, dbUrl } = values;
  if (driver === 'sqlite') {
    const path = dbUrl ?? `data/${part}.sqlite`;
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) problem('DB_URL', 'must be a file path or :memory: when DB_DRIVER is sqlite, not a URL');
    return Object.freeze({ driver, url: path });
  }
  const protocols = serverProtocols[driver];
  if (dbUrl === undefined) problem('DB_URL', `is required when DB_DRIVER is ${driver} (a URL such as ${protocols[0]}//user@host:port/database)`);
  else if (!URL.canParse(dbUrl) || !protocols.includes(new URL(dbUrl).protocol)) {
    // The value is not echoed: it may contain a password.
    problem('DB_URL', `must be a URL with protocol ${protocols.join(' or ')} when DB_DRIVER is ${driver}`);
  }
  return Object.freeze({ driver, url: dbUrl ?? '' });
}
