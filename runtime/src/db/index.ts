export { databaseNow, driverOf, nowMillisSql } from './clock.ts';
export { createOrm, databaseDrivers } from './create-orm.ts';
export type { DatabaseDriver, Orm, OrmOptions } from './create-orm.ts';
export { ensureSchema, schemaLockName } from './ensure-schema.ts';
export type { EnsureSchemaOptions, EnsureSchemaResult } from './ensure-schema.ts';
export { isUniqueViolation } from './errors.ts';
export { createMigration, createMigrator, migrate, migratedDrivers, migrationLockName, migrationsFolder, migrationsTable, pendingMigrations, snapshotName } from './migrations.ts';
export type { CreateMigrationResult, MigrateOptions, MigrateResult, MigratedDriver } from './migrations.ts';
