/**
 * platform-service's database: the ORM over the configured driver, with its entities, and the
 * schema created (missing tables and columns only) at start.
 */
import { createOrm, ensureSchema } from '@platform/runtime/db';
import type { Orm } from '@platform/runtime/db';
import type { Logger } from '@platform/runtime/logging';
import type { DatabaseConfig } from './config.ts';
import { OutboxMessageSchema } from './events/outbox-entity.ts';
import { PlatformSchema } from './platforms/platform-entity.ts';

/** Every entity platform-service stores. */
export const entities = [PlatformSchema, OutboxMessageSchema];

/** Opens the database of `config` and ensures its schema; the caller closes the ORM. */
export async function openDatabase(config: DatabaseConfig, logger: Logger): Promise<Orm> {
  const orm = await createOrm({
    driver: config.driver,
    ...(config.driver === 'sqlite' ? { dbName: config.url } : { url: config.url }),
    entities,
    logger: logger.child({ component: 'database' }),
  });
  try {
    await ensureSchema(orm);
  } catch (error) {
    await orm.close(true);
    throw error;
  }
  return orm;
}
