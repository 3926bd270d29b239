/**
 * A part's database in one call: the ORM over the configured driver with the part's entities,
 * and the schema brought up to date. Production applies the committed, versioned migrations
 * (`<part>/migrations/<driver>/`, under a database lock, so replicas never race); development and
 * tests create missing tables straight from the entities. The embedded SQLite database has no
 * migrations and always takes the entities' schema.
 */
import type { AnyEntity, EntityClass, EntitySchema } from '@mikro-orm/core';
import type { ReadinessCheck } from '../lifecycle/readiness.ts';
import type { Logger } from '../logging/index.ts';
import { createOrm } from './create-orm.ts';
import type { DatabaseDriver, Orm } from './create-orm.ts';
import { ensureSchema } from './ensure-schema.ts';
import { migrate } from './migrations.ts';
import type { MigrateResult } from './migrations.ts';

/** What a part declares about its database: what it stores and where its migrations are. */
export interface DatabaseDeclaration {
  /** Every entity the part stores (made with `defineEntity`). */
  readonly entities: readonly (EntitySchema | EntityClass<AnyEntity>)[];
  /** The part's migrations root: one folder per server driver (`postgresql`, `mssql`). */
  readonly migrations: string;
}

/** Where the database is: DB_DRIVER and DB_URL (sqlite: a file path or `:memory:`; servers: a connection URL). */
export interface DatabaseLocation {
  readonly driver: DatabaseDriver;
  readonly url: string;
}

/** How the schema is brought up to date: the committed migrations, or the entities' schema. */
export type SchemaSource = 'migrations' | 'entities';

export interface OpenDatabaseOptions extends DatabaseDeclaration, DatabaseLocation {
  /** Default `entities`; `schemaSource(nodeEnv)` gives production `migrations`. */
  readonly schema?: SchemaSource;
  /** Receives ORM output as `component: database` lines. */
  readonly logger?: Logger;
}

/** `migrations` in production, `entities` otherwise. */
export function schemaSource(nodeEnv: string): SchemaSource {
  return nodeEnv === 'production' ? 'migrations' : 'entities';
}

/** Creates the ORM of `location` with `entities` (no schema work). The caller closes it. */
export function connectDatabase(options: DatabaseLocation & Pick<DatabaseDeclaration, 'entities'> & { readonly logger?: Logger }): Promise<Orm> {
  const { driver, url, entities, logger } = options;
  return createOrm({ driver, ...(driver === 'sqlite' ? { dbName: url } : { url }), entities, ...(logger ? { logger } : {}) });
}

/** Brings the schema of `orm` up to date from `source`. */
export async function prepareSchema(orm: Orm, declaration: Pick<DatabaseDeclaration, 'migrations'>, source: SchemaSource): Promise<void> {
  if (source === 'migrations') await migrate(orm, { root: declaration.migrations });
  else await ensureSchema(orm);
}

/**
 * Opens the database and prepares its schema; the caller closes the ORM. A server is reached here,
 * so a part does not start on a database it cannot use; on a failure nothing stays open.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Orm> {
  const orm = await connectDatabase({ ...options, ...(options.logger ? { logger: options.logger.child({ component: 'database' }) } : {}) });
  try {
    await prepareSchema(orm, options, options.schema ?? 'entities');
  } catch (error) {
    await orm.close(true).catch(() => undefined);
    throw error;
  }
  return orm;
}

/** Applies the committed migrations (the init container's job) and closes the database. */
export async function migrateDatabase(options: DatabaseDeclaration & DatabaseLocation & { readonly logger?: Logger }): Promise<MigrateResult> {
  const orm = await connectDatabase(options);
  try {
    return await migrate(orm, { root: options.migrations });
  } finally {
    await orm.close(true);
  }
}

/** The readiness check of a database: `reachable`, or `unreachable: <why>`. */
export function databaseCheck(orm: Orm): ReadinessCheck {
  return async () => {
    const result = await orm.checkConnection();
    return result.ok ? { ok: true, detail: 'reachable' } : { ok: false, detail: `unreachable: ${result.reason}` };
  };
}
