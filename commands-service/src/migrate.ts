/**
 * Applies commands-service's committed schema migrations and exits: `node src/migrate.ts`.
 * The Kubernetes init container runs it before every pod starts; concurrent runs are serialized
 * by a database lock, so each migration is applied once per rollout. Same configuration as the
 * service (DB_DRIVER, DB_URL, LOG_LEVEL, ...); SQLite has no migrations (its schema comes from the entities).
 */
import { createOrm, migrate } from '@platform/runtime/db';
import { createLogger } from '@platform/runtime/logging';
import { loadConfig } from './config.ts';
import { entities } from './database.ts';
import { migrationsRoot } from './schema.ts';

const config = loadConfig();
const logger = createLogger({ name: 'commands-service', level: config.logLevel, pretty: config.logFormat === 'pretty' }).child({ component: 'migrate' });
const driver = config.dbDriver;
const orm = await createOrm({ driver, ...(driver === 'sqlite' ? { dbName: config.dbUrl } : { url: config.dbUrl }), entities: [...entities], logger });
try {
  const { applied } = await migrate(orm, { root: migrationsRoot });
  logger.info({ driver, applied }, applied.length > 0 ? `applied ${applied.length} migration(s)` : 'schema is up to date');
} catch (error) {
  logger.fatal({ err: error, driver }, 'cannot migrate the commands-service database');
  process.exitCode = 1;
} finally {
  await orm.close(true);
}
