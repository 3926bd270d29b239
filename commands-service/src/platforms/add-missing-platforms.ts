import type { SqlEntityManager } from '@mikro-orm/sql';
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
