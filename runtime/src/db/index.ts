export { createOrm, databaseDrivers } from './create-orm.ts';
export type { DatabaseDriver, Orm, OrmOptions } from './create-orm.ts';
export { ensureSchema } from './ensure-schema.ts';
export { isUniqueViolation } from './errors.ts';
