import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { MikroORM, type AnyEntity, type EntityClass, type EntitySchema, type Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import type { AbstractSqlDriver, SqlEntityManager } from '@mikro-orm/sql';
import { AppError, errorCodes } from '../errors/index.ts';
import type { Logger } from '../logging/index.ts';
import { BoundSqliteDriver, boundMsSqlDriver, boundPostgreSqlDriver } from './bound-drivers.ts';
import { createOrmLogger } from './orm-logger.ts';
import { CachingNodeSqliteDialect } from './sqlite-dialect.ts';

export const databaseDrivers = ['sqlite', 'postgresql', 'mssql'] as const;
export type DatabaseDriver = (typeof databaseDrivers)[number];

/** A service's ORM: MikroORM over one of the SQL drivers. Use `orm.em.fork()` per unit of work. */
export type Orm = MikroORM<AbstractSqlDriver, SqlEntityManager>;

export interface OrmOptions {
  readonly driver: DatabaseDriver;
  /**
   * sqlite: a file path (its folder is created; WAL journal, synchronous=NORMAL) or ':memory:'.
   * postgresql / mssql: the database name; overrides the one in `url`.
   */
  readonly dbName?: string;
  /** postgresql / mssql: connection URL, e.g. `postgresql://postgres@127.0.0.1:5432/platforms`. Not used by sqlite. */
  readonly url?: string;
  /** The service's entities, made with `defineEntity` (no decorators, no folder discovery). */
  readonly entities: readonly (EntitySchema | EntityClass<AnyEntity>)[];
  /** Log every SQL statement (as `debug` lines). Default: on when `logger` is at debug level. */
  readonly debug?: boolean;
  /** Receives ORM output. Default: none (MikroORM's console logger, silent unless `debug`). */
  readonly logger?: Logger;
}

/**
 * SQL Server takes at most 2,100 parameters per statement; MikroORM's default of 300 rows per
 * batched insert would pass that for entities of more than 7 columns. 200 rows keep entities of
 * up to 10 columns below it.
 */
const mssqlBatchSize = 200;

/**
 * Creates the ORM for `driver`. Every statement binds its values as parameters (bound-drivers.ts),
 * never as SQL text. PostgreSQL and SQL Server drivers are imported only when selected; SQLite runs
 * on Node's built-in `node:sqlite`, no native module.
 * Servers are connected to lazily, on the first query (so schema SQL can be generated without
 * one); report reachability through a readiness check (`orm.checkConnection()`).
 */
export async function createOrm(options: OrmOptions): Promise<Orm> {
  const { driver, dbName, url, entities, logger } = options;
  if (!databaseDrivers.includes(driver)) {
    throw new AppError(errorCodes.invalidArgument, `cannot create ORM: driver must be one of ${databaseDrivers.join(', ')} (got ${JSON.stringify(driver)})`);
  }
  if (entities.length === 0) throw new AppError(errorCodes.invalidArgument, 'cannot create ORM: no entities given');
  const debug = options.debug ?? logger?.isLevelEnabled('debug') ?? false;
  const common = {
    entities: [...entities],
    debug,
    colors: false,
    discovery: { warnWhenNoEntities: false },
    // Given, so MikroORM does not look its optional extensions up by package name at init: from a
    // bundled part (tools/build) that lookup would load a second copy of MikroORM from node_modules.
    extensions: [Migrator],
    ...(logger ? { loggerFactory: (loggerOptions: Parameters<typeof createOrmLogger>[1]) => createOrmLogger(logger, loggerOptions) } : {}),
  } satisfies Partial<Options>;

  if (driver === 'sqlite') {
    if (url !== undefined) throw new AppError(errorCodes.invalidArgument, 'cannot create ORM: sqlite takes dbName (a file path or ":memory:"), not url');
    if (dbName === undefined || dbName.trim() === '') throw new AppError(errorCodes.invalidArgument, 'cannot create ORM: sqlite needs dbName (a file path or ":memory:")');
    const inMemory = dbName === ':memory:';
    const path = inMemory ? dbName : resolve(dbName);
    if (!inMemory) await mkdir(dirname(path), { recursive: true });
    const orm = remember(await MikroORM.init({ ...common, driver: BoundSqliteDriver, dbName: path, driverOptions: new CachingNodeSqliteDialect(path) }) as Orm, 'sqlite');
    // WAL lets readers proceed during a write; NORMAL is durable across application crashes in WAL mode.
    if (!inMemory) {
      const connection = orm.em.getConnection();
      await connection.execute('pragma journal_mode = WAL');
      await connection.execute('pragma synchronous = NORMAL');
    }
    return orm as Orm;
  }

  if (url === undefined && dbName === undefined) {
    throw new AppError(errorCodes.invalidArgument, `cannot create ORM: ${driver} needs url (and optionally dbName)`);
  }
  if (url !== undefined && !URL.canParse(url)) throw new AppError(errorCodes.invalidArgument, `cannot create ORM: url is not an absolute URL`);
  const server = { ...(url === undefined ? {} : { clientUrl: url }), ...(dbName === undefined ? {} : { dbName }) };
  if (driver === 'postgresql') {
    return remember((await MikroORM.init({ ...common, ...server, driver: await boundPostgreSqlDriver() })) as Orm, 'postgresql');
  }
  return remember((await MikroORM.init({ ...common, ...server, driver: await boundMsSqlDriver(), batchSize: mssqlBatchSize })) as Orm, 'mssql');
}

const drivers = new WeakMap<Orm, DatabaseDriver>();

function remember(orm: Orm, driver: DatabaseDriver): Orm {
  drivers.set(orm, driver);
  return orm;
}

/** The driver an ORM made by `createOrm` runs on; undefined for one made otherwise. */
export function createdDriverOf(orm: Orm): DatabaseDriver | undefined {
  return drivers.get(orm);
}
