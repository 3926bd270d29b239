/**
 * Applies commands-service's committed schema migrations and exits: `node src/migrate.ts` (the
 * Kubernetes init container). Same configuration as the service (DB_DRIVER, DB_URL, LOG_LEVEL, ...).
 */
import { runMigrations } from '@platform/runtime/db';
import { loadConfig } from './config.ts';
import { commandsServiceDatabase } from './database.ts';

await runMigrations({
  name: 'commands-service',
  loadConfig,
  declaration: commandsServiceDatabase,
});
