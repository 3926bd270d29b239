/**
 * commands-service's database schema. Production applies the committed, versioned migrations
 * (`commands-service/migrations/<driver>/`, under a database lock, so replicas never race); development
 * and tests create missing tables straight from the entities. The embedded SQLite database has
 * no migrations and always takes the entities' schema.
 */
import { fileURLToPath } from 'node:url';
import { ensureSchema, migrate } from '@platform/runtime/db';
import type { Orm } from '@platform/runtime/db';

/** `commands-service/migrations`: one folder per server driver (mssql, postgresql). */
export const migrationsRoot = fileURLToPath(new URL('../migrations', import.meta.url));

/** Brings the schema up to date for `nodeEnv`: migrations in production, the entities' schema otherwise. */
export async function prepareSchema(orm: Orm, nodeEnv: string): Promise<void> {
  if (nodeEnv === 'production') await migrate(orm, { root: migrationsRoot });
  else await ensureSchema(orm);
}
