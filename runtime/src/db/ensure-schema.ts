import type { Orm } from './create-orm.ts';

/**
 * Creates missing tables and columns for the ORM's entities, for development start-up and tests.
 * Safe mode: never drops a table or column. Production schemas change through migrations.
 */
export async function ensureSchema(orm: Orm): Promise<void> {
  await orm.schema.update({ safe: true });
}
