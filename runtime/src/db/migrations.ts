import { access, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Transaction } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { DatabaseSchema } from '@mikro-orm/sql';
import { AppError, errorCodes } from '../errors/index.ts';
import type { DatabaseDriver, Orm } from './create-orm.ts';
import { ensureSchema } from './ensure-schema.ts';
import { driverOf, withSchemaLock } from './schema-lock.ts';

/**
 * Versioned schema migrations (MikroORM's migrator), one folder per server driver:
 * `<service>/migrations/{mssql,postgresql}/Migration<timestamp>_<name>.ts` plus `.snapshot.json`,
 * the schema the migrations build (what the generator diffs the entities against, offline).
 */

/** Drivers with committed migrations. The embedded SQLite database keeps creating its schema from the entities. */
export const migratedDrivers = ['postgresql', 'mssql'] as const satisfies readonly DatabaseDriver[];
export type MigratedDriver = (typeof migratedDrivers)[number];

/** Name of the snapshot file in each migrations folder. */
export const snapshotName = '.snapshot';

/** Table recording applied migrations. */
export const migrationsTable = 'mikro_orm_migrations';

/** Name of the database lock that serializes concurrent `migrate` calls (replicas, init containers). */
export const migrationLockName = 'mikro_orm_migrations';

export interface MigrateResult {
  /** Names of the migrations applied by this call, in order; empty when the schema was up to date. */
  readonly applied: readonly string[];
}

/** The driver's folder below a service's migrations root: `<root>/<driver>`. */
export function migrationsFolder(root: string, driver: MigratedDriver): string {
  return join(root, driver);
}

function isMigrated(driver: string): driver is MigratedDriver {
  return (migratedDrivers as readonly string[]).includes(driver);
}

/** A migrator for the ORM reading `folder`; `snapshot` only when generating (never written in production). */
export function createMigrator(orm: Orm, folder: string, options: { readonly snapshot?: boolean } = {}): Migrator {
  const current = orm.config.get('migrations');
  orm.config.set('migrations', {
    ...current,
    path: folder,
    pathTs: folder,
    glob: 'Migration*.ts',
    tableName: migrationsTable,
    snapshot: options.snapshot ?? false,
    snapshotOnMigrate: false,
    snapshotName,
    emit: 'ts',
    silent: true,
    transactional: true,
    allOrNothing: true,
  });
  return new Migrator(orm.em);
}

export interface MigrateOptions {
  /** The service's migrations root; the driver's sub-folder (`postgresql`, `mssql`) is applied. */
  readonly root: string;
  /** Longest wait for another process's migration to finish. Default 5 minutes. */
  readonly lockTimeoutMs?: number;
}

/**
 * Brings the database schema up to date with the committed migrations, inside one transaction that
 * first takes a database lock (PostgreSQL advisory lock, SQL Server application lock), so replicas
 * or init containers starting together apply each migration exactly once. SQLite (embedded,
 * one process) has no migrations: its schema is created from the entities (`ensureSchema`).
 */
export async function migrate(orm: Orm, options: MigrateOptions): Promise<MigrateResult> {
  const { root, lockTimeoutMs = 300_000 } = options;
  if (!Number.isSafeInteger(lockTimeoutMs) || lockTimeoutMs < 1) {
    throw new AppError(errorCodes.invalidArgument, `cannot migrate: lockTimeoutMs must be a positive integer (got ${lockTimeoutMs})`);
  }
  const driver = driverOf(orm);
  if (!isMigrated(driver)) {
    await ensureSchema(orm);
    return { applied: [] };
  }
  const migrator = createMigrator(orm, migrationsFolder(root, driver));
  // The lock and the migrations share one transaction: the lock is released on commit or
  // rollback, and a failed migration leaves nothing half-applied.
  const applied = await withSchemaLock(orm, { name: migrationLockName, timeoutMs: lockTimeoutMs }, (transaction: Transaction) => migrator.up({ transaction }));
  return { applied: applied.map((migration) => migration.name) };
}

/** Names of committed migrations the database has not applied yet (for readiness checks and tests). */
export async function pendingMigrations(orm: Orm, root: string): Promise<readonly string[]> {
  const driver = driverOf(orm);
  if (!isMigrated(driver)) return [];
  const pending = await createMigrator(orm, migrationsFolder(root, driver)).getPending();
  return pending.map((migration) => migration.name);
}

export interface CreateMigrationResult {
  /** File written below the folder, or undefined when the entities match the snapshot (nothing to migrate). */
  readonly fileName: string | undefined;
  /** The statements of the new migration's `up()`. */
  readonly up: readonly string[];
}

/**
 * Writes the next migration for the ORM's driver into `folder`: the difference between the folder's
 * snapshot (what the earlier migrations build) and the entities, then updates the snapshot.
 * Offline: no server is contacted (a folder without a snapshot starts from an empty schema), so
 * SQL Server migrations are generated on machines without SQL Server.
 */
export async function createMigration(orm: Orm, folder: string, name?: string): Promise<CreateMigrationResult> {
  await mkdir(folder, { recursive: true });
  const snapshotFile = join(folder, `${snapshotName}.json`);
  const hasSnapshot = await access(snapshotFile).then(
    () => true,
    () => false,
  );
  if (!hasSnapshot) {
    const existing = (await readdir(folder)).filter((file) => file.startsWith('Migration'));
    if (existing.length > 0) throw new AppError(errorCodes.invalidArgument, `cannot create migration: ${folder} has migrations but no ${snapshotName}.json`);
    const empty = new DatabaseSchema(orm.em.getPlatform(), orm.config.get('schema'));
    await writeFile(snapshotFile, JSON.stringify(empty, null, 2));
  }
  const result = await createMigrator(orm, folder, { snapshot: true }).create(folder, false, false, name);
  return { fileName: result.fileName === '' ? undefined : result.fileName, up: result.diff.up.filter((sql) => sql !== '') };
}
