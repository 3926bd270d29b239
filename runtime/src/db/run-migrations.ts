/**
 * The `node src/migrate.ts` entry of a part with a database: applies its committed migrations and
 * exits (the Kubernetes init container runs it before every pod starts; concurrent runs are
 * serialized by a database lock, so each migration is applied once per rollout). SQLite has no
 * migrations: its schema comes from the entities.
 */
import type { Env } from '../config/index.ts';
import { createLogger } from '../logging/index.ts';
import type { LoggerOptions } from '../logging/index.ts';
import { loggerOptions } from '../lifecycle/settings.ts';
import type { LoggingConfig } from '../lifecycle/settings.ts';
import { migrateDatabase } from './open-database.ts';
import type { DatabaseDeclaration, DatabaseLocation } from './open-database.ts';

export interface RunMigrationsOptions<C> {
  /** The part, e.g. `platform-service`. */
  readonly name: string;
  /** The part's own configuration loader (the same variables as the service). */
  loadConfig(env: Env): C;
  /** Default: the configuration's `logLevel` and `logFormat`. */
  logging?(config: C): Pick<LoggerOptions, 'level' | 'pretty'>;
  /** Default: the configuration's `database` (see `databaseLocation`). */
  database?(config: C): DatabaseLocation;
  readonly declaration: DatabaseDeclaration;
  /** Default `process.env`. */
  readonly env?: Env;
}

/** Migrates the part's database; a failure logs one line and sets exit code 1. */
export async function runMigrations<C>(options: RunMigrationsOptions<C>): Promise<void> {
  const { name } = options;
  let config: C;
  try {
    config = options.loadConfig(options.env ?? process.env);
  } catch (error) {
    createLogger({ name }).fatal(error instanceof Error ? error.message : 'cannot migrate: invalid configuration');
    process.exitCode = 1;
    return;
  }
  const logger = createLogger({ name, ...(options.logging?.(config) ?? loggerOptions(config as LoggingConfig)) }).child({ component: 'migrate' });
  const location = options.database?.(config) ?? (config as { readonly database: DatabaseLocation }).database;
  try {
    const { applied } = await migrateDatabase({ ...location, ...options.declaration, logger });
    logger.info({ driver: location.driver, applied }, applied.length > 0 ? `applied ${applied.length} migration(s)` : 'schema is up to date');
  } catch (error) {
    logger.fatal({ err: error, driver: location.driver }, `cannot migrate the ${name} database`);
    process.exitCode = 1;
  }
}
