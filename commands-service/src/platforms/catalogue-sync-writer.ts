/**
 * How the start-up sync writes a batch into the catalogue copy: the copy's own statements
 * (catalogue-statements.ts, values bound) prepared once per row count and run through the driver
 * (runtime db/statements.ts) in one transaction per batch, without MikroORM's per-call work (an
 * entity manager fork, its transaction manager, query rewriting): that wrapper cost about as much
 * per 500-row batch as the rows' own SQL (bench: `npm run bench -- --only=sync`).
 *
 * A batch is cut into statements of at most 500 rows (3 values a row keeps SQL Server below its
 * 2,100 parameters per statement). Each upsert stamps what it writes; the platforms it left alone
 * (the copy's version is as new, or the platform is a tombstone) are stamped by a second statement,
 * which is skipped when the upsert wrote every row (always so on a fresh copy, where it was a
 * lookup per row that changed nothing).
 *
 * A batch is written in ascending platform id, each id once (its newest version; of equal ones, the
 * first): rows are locked in one order by every writer of the copy, so a sync and the consumer or
 * another replica never deadlock, and an upsert never meets its own row twice (PostgreSQL refuses
 * that, SQL Server's merge too). The stream already sends ascending ids, then nothing is copied.
 */
import { type Orm, type PreparedStatement, type StatementRunner, statementsOf } from '@platform/runtime/db';
import type { PlatformState } from './catalogue-copy.ts';
import { catalogueStatements } from './catalogue-statements.ts';

/** Rows per statement: 3 parameters a row keeps SQL Server below its 2,100 parameters per statement. */
const rowsPerSyncStatement = 500;

/** Writes one batch of the start-up sync; see `CatalogueCopy.syncBatch`. */
export type SyncBatchWriter = (platforms: readonly PlatformState[], since?: number) => Promise<number>;

/** The sync's batch writer for `orm`; statements are written and prepared once per row count. */
export function createSyncBatchWriter(orm: Orm): SyncBatchWriter {
  const statements = statementsOf(orm);
  const sql = catalogueStatements(orm);
  const preparedBy = (write: (rows: number) => string): ((rows: number) => PreparedStatement) => {
    const byRows = new Map<number, PreparedStatement>();
    return (rows) => {
      let prepared = byRows.get(rows);
      if (prepared === undefined) {
        prepared = statements.prepare(write(rows));
        byRows.set(rows, prepared);
      }
      return prepared;
    };
  };
  const upsert = preparedBy(sql.upsert);
  const touch = preparedBy(sql.touch);
  const touchStale = preparedBy(sql.touchStale);

  /** Upserts rows `start` to `end` of the batch and stamps those it left alone; resolves with how many it wrote. */
  const writeRows = async (tx: StatementRunner, platforms: readonly PlatformState[], start: number, end: number, since: number | undefined): Promise<number> => {
    const rows = end - start;
    const written = await tx.run(upsert(rows), upsertValues(platforms, start, end));
    // Every row the upsert wrote is stamped now: when it wrote them all, none is left to stamp.
    if (written === rows) return written;
    const ids = idValues(platforms, start, end);
    if (since === undefined) await tx.run(touch(rows), ids);
    else await tx.run(touchStale(rows), [...ids, since]);
    return written;
  };

  return async (batch, since) => {
    if (batch.length === 0) return 0;
    const platforms = inCanonicalOrder(batch);
    return statements.transaction(async (tx) => {
      let written = 0;
      for (let start = 0; start < platforms.length; start += rowsPerSyncStatement) {
        written += await writeRows(tx, platforms, start, Math.min(start + rowsPerSyncStatement, platforms.length), since);
      }
      return written;
    });
  };
}

/** The batch in ascending id, each id once with its newest version: the batch itself when it is so already. */
function inCanonicalOrder(platforms: readonly PlatformState[]): readonly PlatformState[] {
  let ascending = true;
  for (let index = 1; index < platforms.length && ascending; index++) ascending = platforms[index - 1]!.id < platforms[index]!.id;
  if (ascending) return platforms;
  // Stable: of one id's equal versions the first stays first, as applying them in turn would keep it.
  const sorted = platforms.toSorted((a, b) => a.id - b.id || b.version - a.version);
  return sorted.filter((platform, index) => index === 0 || sorted[index - 1]!.id !== platform.id);
}

/** (external id, name, version) per platform, flat. */
function upsertValues(platforms: readonly PlatformState[], start: number, end: number): unknown[] {
  const values: unknown[] = [];
  for (let index = start; index < end; index++) {
    const { id, name, version } = platforms[index]!;
    values.push(id, name, version);
  }
  return values;
}

/** The external ids of the platforms. */
function idValues(platforms: readonly PlatformState[], start: number, end: number): unknown[] {
  const values: unknown[] = [];
  for (let index = start; index < end; index++) values.push(platforms[index]!.id);
  return values;
}
