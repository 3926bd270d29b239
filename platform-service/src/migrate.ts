/**
 * Applies platform-service's committed schema migrations and exits: `node src/migrate.ts` (the
 * Kubernetes init container). Same configuration as the service (DB_DRIVER, DB_URL, LOG_LEVEL, ...).
 */
import { runMigrations } from '@platform/runtime/db';
import { loadConfig } from './config.ts';
import { platformServiceDatabase } from './database.ts';

await runMigrations({
  name: 'platform-service',
  loadConfig,
  declaration: platformServiceDatabase,
});
