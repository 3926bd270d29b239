import { openDatabase, statementsOf, type Orm } from '@platform/runtime/db';
import { createTemporaryPostgresDatabase, type TemporaryDatabase } from '@platform/runtime/db/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { commandsServiceDatabase } from '../database.ts';
import { recordingLogger, silentLogger, type RecordingLogger } from '../testing/logs.ts';
import { createCatalogueCopy, type CatalogueCopy } from './catalogue-copy.ts';
import { Platform } from './platform-entity.ts';

/**
 * Two replicas (two ORMs on one PostgreSQL database) writing the same platforms in opposite orders,
 * each in one transaction: rows locked in one canonical order (ascending id) make the later writer
 * wait; in arrival order they deadlock. A third transaction holds the middle row until both writers
 * wait, so in arrival order each holds an end row when it is released: the deadlock is then certain.
 */
describe('the catalogue copy written by two replicas at once on postgresql', () => {
  let database: TemporaryDatabase;
  let holder: Orm;
  const replicas: { orm: Orm; copy: CatalogueCopy; log: RecordingLogger }[] = [];

  beforeAll(async () => {
    database = await createTemporaryPostgresDatabase({ prefix: 'catalogue_locks' });
    holder = await openDatabase({ driver: 'postgresql', url: database.url, ...commandsServiceDatabase, logger: silentLogger() });
    for (let replica = 0; replica < 2; replica++) {
      const log = recordingLogger('debug');
      const orm = await openDatabase({ driver: 'postgresql', url: database.url, ...commandsServiceDatabase, logger: log.logger });
      replicas.push({ orm, copy: createCatalogueCopy(orm), log });
    }
  });
  afterAll(async () => {
    for (const { orm } of replicas) await orm.close(true);
    await holder?.close(true);
    await database?.drop();
  });
  beforeEach(() => holder.schema.clear());

  /** The statements of either replica that failed since `marks` (each replica's count of lines then). */
  const logMarks = () => replicas.map(({ log }) => log.lines().length);
  const failedSince = (marks: readonly number[]) =>
    replicas.flatMap(({ log }, replica) => log.lines().slice(marks[replica]).filter((line) => line.failed === true).map((line) => line.sql));

  /** Locks the rows of `ids` in a transaction of its own; the returned function commits it. */
  async function holdRows(ids: readonly number[]): Promise<() => Promise<void>> {
    const statements = statementsOf(holder);
    const locked = Promise.withResolvers<void>();
    const release = Promise.withResolvers<void>();
    const held = statements.transaction(async (tx) => {
      await tx.rows(statements.prepare(`select "id" from "platforms" where "external_id" in (${ids.map(() => '?').join(', ')}) for update`), ids);
      locked.resolve();
      await release.promise;
    });
    held.catch(locked.reject);
    await locked.promise;
    return async () => {
      release.resolve();
      await held;
    };
  }

  /** Resolves once `count` sessions of the database wait for a lock. */
  async function waitersReach(count: number): Promise<void> {
    const waiting = statementsOf(holder).prepare(`select count(*)::int as "waiting" from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
    for (let polls = 0; polls < 200; polls++) {
      const [row] = await statementsOf(holder).rows<{ waiting: number }>(waiting, []);
      if (row!.waiting >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`cannot wait for the writers: fewer than ${count} sessions wait for a lock`);
  }

  const writers = {
    'a group of events': (copy: CatalogueCopy, ids: readonly number[]) => Promise.all(ids.map((id) => copy.apply({ id, name: `v2 of ${id}`, version: 2 }))),
    'a sync batch': (copy: CatalogueCopy, ids: readonly number[]) => copy.syncBatch(ids.map((id) => ({ id, name: `v2 of ${id}`, version: 2 }))),
  };
  const pairs = [
    ['a group of events', 'a group of events'],
    ['a sync batch', 'a group of events'],
    ['a sync batch', 'a sync batch'],
  ] as const;

  it.each(pairs)('lets-%s-and-%s-on-the-same-platforms-in-opposite-orders-both-commit', async (first, second) => {
    const ids = [1, 2, 3];
    await replicas[0]!.copy.syncBatch(ids.map((id) => ({ id, name: `v1 of ${id}`, version: 1 })));
    const marks = logMarks();
    const release = await holdRows([2]);
    const writing = Promise.allSettled([writers[first](replicas[0]!.copy, ids), writers[second](replicas[1]!.copy, ids.toReversed())]);
    await waitersReach(2);
    await release();
    expect((await writing).map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(failedSince(marks)).toEqual([]);
    const rows = await holder.em.fork().find(Platform, {}, { orderBy: { externalId: 'asc' } });
    expect(rows.map(({ externalId, name, version }) => ({ externalId, name, version }))).toEqual(ids.map((id) => ({ externalId: id, name: `v2 of ${id}`, version: 2 })));
  });

  it('lets-the-sync-sweep-and-a-group-of-events-on-the-same-platforms-both-commit', async () => {
    // Written one by one in descending id: a scan of the table meets them in that order.
    for (const id of [3, 2, 1]) await replicas[0]!.copy.apply({ id, name: `v1 of ${id}`, version: 1 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const since = await replicas[0]!.copy.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const marks = logMarks();
    const release = await holdRows([2]);
    const writing = Promise.allSettled([replicas[0]!.copy.removeUnseenSince(since), writers['a group of events'](replicas[1]!.copy, [1, 2, 3])]);
    await waitersReach(2);
    await release();
    expect((await writing).map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(failedSince(marks)).toEqual([]);
  });

  it('syncs-a-batch-naming-a-platform-twice-with-its-newest-version', async () => {
    const marks = logMarks();
    expect(await replicas[0]!.copy.syncBatch([
      { id: 4, name: 'four', version: 1 },
      { id: 2, name: 'two, old', version: 1 },
      { id: 2, name: 'two, new', version: 3 },
      { id: 2, name: 'two, also new', version: 3 },
    ])).toBe(2);
    const rows = await holder.em.fork().find(Platform, {}, { orderBy: { externalId: 'asc' } });
    expect(rows.map(({ externalId, name, version }) => ({ externalId, name, version }))).toEqual([
      { externalId: 2, name: 'two, new', version: 3 },
      { externalId: 4, name: 'four', version: 1 },
    ]);
    expect(failedSince(marks)).toEqual([]);
  });
});
