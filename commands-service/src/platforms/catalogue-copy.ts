/**
 * commands-service's copy of platform-service's catalogue, kept by events and the start-up sync.
 * Every change is a conditional statement decided by the database (never read-then-write), so
 * competing replicas, duplicates and events that overtake each other converge on the newest
 * version: a create or update is applied only when its version is newer than the one held and the
 * platform was not deleted; a delete leaves a tombstone (even for a platform never seen) and
 * removes its commands in the same transaction. The statements (catalogue-statements.ts) are
 * written once per ORM and run with bound values: nothing is built per event.
 *
 * Events are applied by group commit: the applies that arrive while one transaction is being
 * written (the consumer hands over up to its prefetch at once) are written together in the next
 * transaction, each as its own statement, and each resolves only once that transaction committed
 * (the message is still acknowledged after the commit of its own write). A commit per event was
 * the largest share of the consumer's CPU. Should a group fail, each of its applies is written
 * again alone, so one bad event never fails the others.
 *
 * Every write of several rows in one transaction locks them in ascending platform id (a group is
 * written in that order, the sync's batches are sorted: catalogue-sync-writer.ts, its sweep locks in
 * that order: catalogue-statements.ts), so two replicas, or the sync and the consumer, writing
 * overlapping rows wait for each other instead of deadlocking (catalogue-lock-order.test.ts, PostgreSQL).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { databaseNow, statementsOf, type Orm, type StatementRunner } from '@platform/runtime/db';
import { catalogueStatements } from './catalogue-statements.ts';
import { createSyncBatchWriter } from './catalogue-sync-writer.ts';

/** A platform state as platform-service gives it (gRPC `Platform`, event payloads): `id` is its external id. */
export interface PlatformState {
  readonly id: number;
  readonly name: string;
  /** platform-service's version; `platform.published` is version 1. */
  readonly version: number;
}

export interface CatalogueCopy {
  /** Applies a create or update when newer than what is held (inserting an unknown platform); true when it changed the copy. */
  apply(platform: PlatformState): Promise<boolean>;
  /** Marks a platform deleted at `version` (a tombstone, also for an unknown one) and removes its commands; true when it changed the copy. */
  remove(id: number, version: number): Promise<boolean>;
  /**
   * A batch of the start-up sync, in one transaction (catalogue-sync-writer.ts): applies each
   * platform as `apply` does and stamps every live platform of the batch as seen now. Resolves
   * with how many it inserted or brought to a newer version. With `since` (the sync's start, on
   * the database clock), a platform the batch's upsert just wrote, or stamped at or after `since`
   * already, is not written again: on a fresh copy every row is written once.
   */
  syncBatch(platforms: readonly PlatformState[], since?: number): Promise<number>;
  /** Now on the database's clock, in epoch milliseconds: the clock every stamp is taken from. */
  now(): Promise<number>;
  /**
   * Tombstones every live platform not stamped since `since` (neither sent by a sync that started
   * then, nor changed by an event since), with its commands; resolves with how many.
   */
  removeUnseenSince(since: number): Promise<number>;
}

interface PendingApply {
  readonly platform: PlatformState;
  /**
   * Runs work in the async context of the apply's caller (its message's span and log fields), so a
   * statement written for it in a group is traced and logged as that message's, not the group's first.
   */
  readonly within: <T>(work: () => T) => T;
  resolve(changed: boolean): void;
  reject(error: unknown): void;
}

export function createCatalogueCopy(orm: Orm): CatalogueCopy {
  const statements = catalogueStatements(orm);
  const applyOne = statements.upsert(1);
  const syncBatch = createSyncBatchWriter(orm);
  const run = async (em: SqlEntityManager, sql: string, values: readonly unknown[]): Promise<number> =>
    (await em.getConnection().execute<{ affectedRows: number }>(sql, [...values], 'run', em.getTransactionContext())).affectedRows;
  // An event's apply is the consumer's hot path: a prepared statement (db/statements.ts), not the
  // ORM's execute path and an entity manager forked per event (a fifth of the consumer's CPU).
  const prepared = statementsOf(orm);
  const applyStatement = prepared.prepare(applyOne);
  const applyOn = async (runner: StatementRunner, platform: PlatformState): Promise<boolean> =>
    (await runner.run(applyStatement, [platform.id, platform.name, platform.version])) > 0;
  const applyAlone = (platform: PlatformState): Promise<boolean> => applyOn(prepared, platform);

  let waiting: PendingApply[] = [];
  let writing = false;
  const writeGroups = async (): Promise<void> => {
    writing = true;
    try {
      await writeWaiting();
    } finally {
      writing = false;
    }
  };
  const writeWaiting = async (): Promise<void> => {
    while (waiting.length > 0) {
      const group = waiting;
      waiting = [];
      // Ascending platform id (the sort is stable: applies of one platform keep their order of arrival).
      group.sort(byPlatformId);
      if (group.length === 1) {
        const [only] = group as [PendingApply];
        await only.within(() => applyAlone(only.platform)).then(only.resolve, only.reject);
        continue;
      }
      try {
        const changed = await prepared.transaction(async (tx) => {
          const results: boolean[] = [];
          for (const { platform, within } of group) results.push(await within(() => applyOn(tx, platform)));
          return results;
        });
        group.forEach((pending, index) => pending.resolve(changed[index] === true));
      } catch {
        for (const pending of group) await pending.within(() => applyAlone(pending.platform)).then(pending.resolve, pending.reject);
      }
    }
  };

  return {
    apply(platform) {
      return new Promise<boolean>((resolve, reject) => {
        waiting.push({ platform, resolve, reject, within: AsyncLocalStorage.snapshot() });
        // Deliveries handed over together reach here in the same turn: let them all join the group.
        if (!writing) {
          writing = true;
          setImmediate(() => void writeGroups());
        }
      });
    },
    remove(id, version) {
      return orm.em.fork().transactional(async (em) => {
        const changed = await run(em, statements.tombstone, [id, version]);
        // Every time, not only for a new tombstone: a command written while the delete ran goes too.
        await run(em, statements.removeCommandsOfTombstone, [id]);
        return changed > 0;
      });
    },
    syncBatch,
    now: () => databaseNow(orm),
    removeUnseenSince(since) {
      return orm.em.fork().transactional(async (em) => {
        const removed = await run(em, statements.sweep, [since]);
        if (removed > 0) await run(em, statements.removeCommandsOfTombstones, []);
        return removed;
      });
    },
  };
}

function byPlatformId(a: PendingApply, b: PendingApply): number {
  return a.platform.id - b.platform.id;
}
