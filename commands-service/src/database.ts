import { createOrm, type Orm } from '@platform/runtime/db';
import type { Logger } from '@platform/runtime/logging';
import { CommandSchema } from './commands/command-entity.ts';
import type { CommandsServiceConfig } from './config.ts';
import { PlatformSchema } from './platforms/platform-entity.ts';
import { prepareSchema } from './schema.ts';

/** Every entity of commands-service. */
export const entities = [PlatformSchema, CommandSchema] as const;

/**
 * Opens the service's database as configured (SQLite file or `:memory:`, PostgreSQL, SQL Server)
 * and brings its schema up to date (`prepareSchema`: the committed migrations when `nodeEnv` is
 * production, otherwise the entities' schema; default development). Servers are connected to
 * lazily; an unreachable one fails here, so the service does not start on a database it cannot use.
 */
export async function openDatabase(
  config: Pick<CommandsServiceConfig, 'dbDriver' | 'dbUrl'> & { readonly nodeEnv?: CommandsServiceConfig['nodeEnv'] },
  logger: Logger,
): Promise<Orm> {
  const location = config.dbDriver === 'sqlite' ? { dbName: config.dbUrl } : { url: config.dbUrl };
  const orm = await createOrm({ driver: config.dbDriver, ...location, entities, logger });
  try {
    await prepareSchema(orm, config.nodeEnv ?? 'development');
  } catch (error) {
    await orm.close(true).catch(() => undefined);
    throw error;
  }
  return orm;
}
