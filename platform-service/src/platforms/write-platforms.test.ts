import { decodePlatformDeleted, decodePlatformPublished, decodePlatformUpdated } from '@platform/gen/asyncapi/platform-events/index.ts';
import type { Orm } from '@platform/runtime/db';
import { createLogger } from '@platform/runtime/logging';
import type { OutboxRecord } from '@platform/runtime/messaging';
import { createDatabaseOutbox, OutboxMessage, type DatabaseOutbox } from '@platform/runtime/outbox';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '@platform/runtime/db';
import { platformServiceDatabase } from '../database.ts';
import { databaseTargets } from '../testing/databases.ts';
import { Platform } from './platform-entity.ts';
import { findPlatform } from './read-platforms.ts';
import { createPlatformWriter, type PlatformWriter } from './write-platforms.ts';

const logger = createLogger({ name: 'write-platforms-test', level: 'silent' });
const fields = { name: 'Kubernetes', publisher: 'CNCF', cost: 'Free' };
const absent = { kind: 'absent' } as const;

/** The pending events, decoded by type, in write order. */
function events(records: readonly OutboxRecord[]): unknown[] {
  return records.map((record) => {
    if (record.topic === 'platform.published') return { published: decodePlatformPublished(record.message) };
    if (record.topic === 'platform.updated') return { updated: decodePlatformUpdated(record.message) };
    return { deleted: decodePlatformDeleted(record.message) };
  });
}

describe.each(databaseTargets)('platform writes on $name', (target) => {
  let orm: Orm;
  let release: () => Promise<void>;
  let outbox: DatabaseOutbox;
  let writer: PlatformWriter;

  beforeAll(async () => {
    const database = await target.open();
    release = database.release;
    orm = await openDatabase({ ...database.config, ...platformServiceDatabase, logger });
    outbox = createDatabaseOutbox({ orm });
    writer = createPlatformWriter({ outbox });
  });
  afterAll(async () => {
    await orm?.close(true);
    await release?.();
  });
  beforeEach(() => orm.schema.clear());

  const pending = (): Promise<readonly OutboxRecord[]> => outbox.store.fetchPending(1000);

  it('writes-the-platform-at-version-1-and-its-platform-published-envelope-together', async () => {
    let kicks = 0;
    const stop = outbox.onCommit(() => kicks++);
    const created = await writer.create(fields, { correlationId: 'request-1' });
    stop();
    expect(created).toEqual({ id: expect.any(Number), ...fields, version: 1 });
    expect(kicks).toBe(1);
    const stored = await orm.em.fork().findOneOrFail(Platform, { id: created.id });
    const [record, ...more] = await pending();
    expect(more).toEqual([]);
    expect(record?.topic).toBe('platform.published');
    expect(decodePlatformPublished(record!.message)).toEqual({ id: created.id, ...fields });
    expect(record?.message.metadata).toEqual({
      contentType: 'application/json',
      type: 'platform.published',
      appId: 'platform-service',
      timestamp: String(stored.createdAt.getTime()),
      correlationId: 'request-1',
    });
  });

  it('moves-the-version-forward-on-each-update-and-publishes-platform-updated-with-it', async () => {
    const created = await writer.create(fields);
    const first = await writer.update(created.id, { ...fields, name: '.NET' }, absent, { correlationId: 'r2' });
    const second = await writer.update(created.id, { ...fields, cost: '$1' }, absent);
    expect(first).toEqual({ kind: 'written', platform: { id: created.id, ...fields, name: '.NET', version: 2 } });
    expect(second).toEqual({ kind: 'written', platform: { id: created.id, ...fields, cost: '$1', version: 3 } });
    expect(await findPlatform(orm, created.id)).toEqual({ id: created.id, ...fields, cost: '$1', version: 3 });
    expect(events(await pending())).toEqual([
      { published: { id: created.id, ...fields } },
      { updated: { id: created.id, ...fields, name: '.NET', version: 2 } },
      { updated: { id: created.id, ...fields, cost: '$1', version: 3 } },
    ]);
    expect((await pending())[1]?.message.metadata.correlationId).toBe('r2');
  });

  it('deletes-into-a-tombstone-with-a-final-version-and-never-gives-its-id-again', async () => {
    const created = await writer.create(fields);
    await writer.update(created.id, fields, absent);
    expect(await writer.remove(created.id, absent)).toEqual({ kind: 'written', platform: { id: created.id, ...fields, version: 3 } });
    expect(await findPlatform(orm, created.id)).toBeUndefined();
    expect(await writer.update(created.id, fields, absent)).toEqual({ kind: 'not-found' });
    expect(await writer.remove(created.id, absent)).toEqual({ kind: 'not-found' });
    expect(await writer.remove(created.id, { kind: 'any' })).toEqual({ kind: 'not-found' });
    // SQLite reuses the largest rowid once its row is gone: the tombstone keeps it taken.
    const next = await writer.create(fields);
    expect(next.id).toBeGreaterThan(created.id);
    expect(events(await pending()).slice(2, 3)).toEqual([{ deleted: { id: created.id, version: 3 } }]);
  });

  it('changes-and-publishes-nothing-when-if-match-names-another-version', async () => {
    const created = await writer.create(fields);
    await writer.update(created.id, fields, absent);
    expect(await writer.update(created.id, { ...fields, name: 'stale' }, { kind: 'tags', tags: ['"1"'] })).toEqual({ kind: 'precondition-failed', version: 2 });
    expect(await writer.update(created.id, { ...fields, name: 'weak' }, { kind: 'tags', tags: ['W/"2"'] })).toEqual({ kind: 'precondition-failed', version: 2 });
    expect(await writer.remove(created.id, { kind: 'tags', tags: ['"1"', '"3"'] })).toEqual({ kind: 'precondition-failed', version: 2 });
    expect(await findPlatform(orm, created.id)).toEqual({ id: created.id, ...fields, version: 2 });
    expect(await pending()).toHaveLength(2);
    expect(await writer.update(created.id, { ...fields, name: 'current' }, { kind: 'tags', tags: ['"1"', '"2"'] })).toMatchObject({ kind: 'written', platform: { version: 3 } });
    expect(await writer.remove(created.id, { kind: 'any' })).toMatchObject({ kind: 'written', platform: { version: 4 } });
  });

  it('lets-exactly-one-of-concurrent-conditional-updates-with-the-same-etag-win', async () => {
    const created = await writer.create(fields);
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, index) => writer.update(created.id, { ...fields, name: `writer ${index}` }, { kind: 'tags', tags: ['"1"'] })),
    );
    const winners = outcomes.filter((outcome) => outcome.kind === 'written');
    expect(winners).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.kind === 'precondition-failed')).toHaveLength(11);
    const stored = await findPlatform(orm, created.id);
    expect(stored).toEqual(winners[0]?.kind === 'written' ? winners[0].platform : undefined);
    expect(events(await pending())).toHaveLength(2);
  });

  it('serializes-concurrent-unconditional-updates-into-consecutive-versions', async () => {
    const created = await writer.create(fields);
    const outcomes = await Promise.all(Array.from({ length: 10 }, (_, index) => writer.update(created.id, { ...fields, name: `writer ${index}` }, absent)));
    const versions = outcomes.map((outcome) => (outcome.kind === 'written' ? outcome.platform.version : -1)).toSorted((a, b) => a - b);
    expect(versions).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const updated = events(await pending()).slice(1) as { updated: { version: number; name: string } }[];
    expect(updated.map((event) => event.updated.version).toSorted((a, b) => a - b)).toEqual(versions);
    // The stored platform is the one of the highest version.
    const last = updated.find((event) => event.updated.version === 11)!;
    expect(await findPlatform(orm, created.id)).toMatchObject({ name: last.updated.name, version: 11 });
  });

  it('resolves-a-delete-racing-an-update-into-one-consistent-history', async () => {
    for (let round = 0; round < 5; round++) {
      await orm.schema.clear();
      const created = await writer.create(fields);
      const [updated, deleted] = await Promise.all([writer.update(created.id, { ...fields, name: 'racing' }, absent), writer.remove(created.id, absent)]);
      expect(deleted.kind).toBe('written');
      expect(await findPlatform(orm, created.id)).toBeUndefined();
      const history = events(await pending()).slice(1);
      // Either the update went first (then the delete is version 3), or the delete did and the update found nothing.
      const updateFirst = updated.kind === 'written';
      expect(updated.kind).toBe(updateFirst ? 'written' : 'not-found');
      expect(history).toEqual(
        updateFirst
          ? [{ updated: { id: created.id, ...fields, name: 'racing', version: 2 } }, { deleted: { id: created.id, version: 3 } }]
          : [{ deleted: { id: created.id, version: 2 } }],
      );
    }
  });

  it('stores-neither-the-platform-nor-the-event-when-the-transaction-fails', async () => {
    const attempt = outbox.transactional(async (em, publisher) => {
      await writer.insert(em, publisher, [{ name: 'doomed', publisher: 'p', cost: 'c' }]);
      throw new Error('abort after both writes');
    });
    await expect(attempt).rejects.toThrow('abort after both writes');
    expect(await orm.em.fork().count(Platform, {})).toBe(0);
    expect(await orm.em.fork().count(OutboxMessage, {})).toBe(0);
  });

  it('refuses-an-event-the-contract-rejects-and-keeps-nothing', async () => {
    await expect(writer.create({ name: '', publisher: 'p', cost: 'c' })).rejects.toMatchObject({ code: 'invalid_argument' });
    const created = await writer.create(fields);
    await expect(writer.update(created.id, { ...fields, cost: '' }, absent)).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(await findPlatform(orm, created.id)).toEqual(created);
    expect(await outbox.countPending()).toBe(1);
  });
});
