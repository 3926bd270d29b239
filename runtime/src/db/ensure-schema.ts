import type { Orm } from './create-orm.ts';
import { driverOf, withSchemaLock } from './schema-lock.ts';

/** Name of the database lock `ensureSchema` holds while it compares and creates the schema. */
export const schemaLockName = 'platform_ensure_schema';

export interface EnsureSchemaOptions {
  /** Longest wait for another process's schema creation to finish. Default 5 minutes. */
  readonly lockTimeoutMs?: number;
}

export interface EnsureSchemaResult {
  /** The statements this call ran; empty when the schema was already complete. */
  readonly statements: readonly string[];
}

/**
 * Creates missing tables and columns for the ORM's entities, for development start-up and tests.
 * Safe mode: never drops a table or column. Production schemas change through migrations.
 * On PostgreSQL and SQL Server the comparison and the creation happen under a database lock, so
 * replicas starting together on one empty database create the schema once and all start.
 */
export async function ensureSchema(orm: Orm, options: EnsureSchemaOptions = {}): Promise<EnsureSchemaResult> {
  const { lockTimeoutMs = 300_000 } = options;
  const update = async (): Promise<EnsureSchemaResult> => {
    // Compared only once the lock is held: what an earlier holder created is committed by then.
    const sql = await orm.schema.getUpdateSchemaSQL({ safe: true });
    const statements = sql.split('\n').map((line) => line.trim()).filter((line) => line !== '');
    if (statements.length > 0) await orm.schema.execute(sql);
    return { statements };
  };
  if (driverOf(orm) === 'sqlite') return update();
  // The DDL runs on other pooled connections while the lock's transaction holds the lock.
  return withSchemaLock(orm, { name: schemaLockName, timeoutMs: lockTimeoutMs }, update);
}
