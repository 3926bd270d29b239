/**
 * platform-service's database: the ORM over the configured driver, with its entities, and the
 * schema brought up to date at start (migrations in production, see schema.ts).
 */
import { createOrm } from '@platform/runtime/db';
import type { Orm } from '@platform/runtime/db';
import type { Logger } from '@platform/runtime/logging';
import type { DatabaseConfig, PlatformServiceConfig } from './config.ts';
import { outboxEntities } from '@platform/runtime/outbox';
import { PlatformSchema } from './platforms/platform-entity.ts';
import { prepareSchema } from './schema.ts';

/** Every entity platform-service stores. */
export const entities = [PlatformSchema, ...outboxEntities];

/** Opens the database of `config` and prepares its schema for `nodeEnv`; the caller closes the ORM. */
export async function openDatabase(config: DatabaseConfig, logger: Logger, nodeEnv: PlatformServiceConfig['nodeEnv'] = 'development'): Promise<Orm> {
  const orm = await createOrm({
    driver: config.driver,
    ...(config.driver === 'sqlite' ? { dbName: config.url } : { url: config.url }),
    entities,
    logger: logger.child({ component: 'database' }),
  });
  try {
    await prepareSchema(orm, nodeEnv);
  } catch (error) {
    await orm.close(true);
    throw error;
  }
  return orm;
}
