import type { SqlEntityManager } from '@mikro-orm/sql';
import type { Orm } from '@platform/runtime/db';
import { AppError, errorCodes } from '@platform/runtime/errors';
import { Platform } from './platform-entity.ts';

/** A platform as platform-service describes it (gRPC `Platform`, event payload): `id` is its external id. */
export interface PlatformFacts {
  readonly id: number;
  readonly name: string;
}

/**
 * One INSERT of this many rows at most: 2 parameters a row stays far below SQL Server's
 * limit of 2,100 parameters per statement.
 */
const rowsPerStatement = 500;

/**
 * Inserts the platforms whose external id is not known yet and leaves known ones untouched,
 * in one `INSERT ... ON CONFLICT (external_id) DO NOTHING` per 500 rows (a MERGE on SQL Server).
 * Idempotent and safe against concurrent writers (another replica, the event consumer during
 * the start-up sync): the unique external id decides, never a read-then-write race.
 * Runs in the caller's transaction when `em` is inside one. Returns how many rows were inserted.
 */
export async function addMissingPlatforms(em: SqlEntityManager, platforms: readonly PlatformFacts[]): Promise<number> {
  let inserted = 0;
  for (let start = 0; start < platforms.length; start += rowsPerStatement) {
    const rows = platforms.slice(start, start + rowsPerStatement).map((platform) => ({ externalId: platform.id, name: platform.name }));
    const result = await em.createQueryBuilder(Platform).insert(rows).onConflict('externalId').ignore().execute('run');
    inserted += result.affectedRows;
  }
  return inserted;
}

/** Sentinels whose positions in the generated statement's parameters tell where each field goes. */
const sentinel = { externalId: -987_654_321, name: '\u0000platform name\u0000' };

/**
 * Prepares the one-platform form of `addMissingPlatforms` for the event consumer: the same
 * statement (`INSERT ... ON CONFLICT (external_id) DO NOTHING`, a MERGE on SQL Server), written
 * once by the ORM's query builder for the configured dialect and then run with each platform's
 * values, with no query building or entity handling per event. One statement outside any
 * transaction commits on its own: when the returned promise resolves, the row is durable.
 * Resolves to 1 when the platform was inserted, 0 when its external id was known.
 */
export function prepareAddMissingPlatform(orm: Orm): (platform: PlatformFacts) => Promise<number> {
  const { sql, params } = orm.em.fork().createQueryBuilder(Platform).insert([sentinel]).onConflict('externalId').ignore().toQuery();
  const fields = params.map((param, index) => {
    if (param === sentinel.externalId) return 'id' as const;
    if (param === sentinel.name) return 'name' as const;
    throw new AppError(errorCodes.internal, `cannot prepare the platform insert: unexpected parameter ${index} in ${sql}`);
  });
  return async (platform) => {
    const values = fields.map((field) => platform[field]);
    const result = await orm.em.getConnection().execute<{ affectedRows: number }>(sql, values, 'run');
    return result.affectedRows;
  };
}
