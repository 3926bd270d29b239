import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineEntity, p } from '@mikro-orm/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOrm, type Orm } from './create-orm.ts';
import { ensureSchema } from './ensure-schema.ts';
import { statementsOf, type PreparedStatement } from './statements.ts';
import { createTemporaryPostgresDatabase } from './testing.ts';

const ReadThingSchema = defineEntity({
  name: 'CommittedThing',
  tableName: 'committed_things',
  properties: { id: p.integer().primary(), name: p.string() },
});

const targets: { name: string; open(): Promise<{ orm: Orm; release(): Promise<void> }> }[] = [
  {
    name: 'a sqlite file',
    open: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'committed-rows-'));
      return { orm: await createOrm({ driver: 'sqlite', dbName: join(dir, 'db.sqlite'), entities: [ReadThingSchema] }), release: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  { name: 'sqlite in memory', open: async () => ({ orm: await createOrm({ driver: 'sqlite', dbName: ':memory:', entities: [ReadThingSchema] }), release: async () => {} }) },
  {
    name: 'postgresql',
    open: async () => {
      const database = await createTemporaryPostgresDatabase({ prefix: 'committed_rows' });
      return { orm: await createOrm({ driver: 'postgresql', url: database.url, entities: [ReadThingSchema] }), release: database.drop };
    },
  },
];

const ids = (rows: { id: number | string }[]): number[] => rows.map((row) => Number(row.id));

describe.each(targets)('committedRows on $name', (target) => {
  let orm: Orm;
  let release: () => Promise<void>;
  let select: PreparedStatement;
  let insert: PreparedStatement;

  beforeAll(async () => {
    ({ orm, release } = await target.open());
    await ensureSchema(orm);
    const statements = statementsOf(orm);
    const q = statements.quote;
    select = statements.prepare(`select ${q('id')}, ${q('name')} from ${q('committed_things')} where ${q('id')} > ? and ${q('name')} <> ? order by ${q('id')}`);
    insert = statements.prepare(`insert into ${q('committed_things')} (${q('id')}, ${q('name')}) values (?, ?)`);
  });
  afterAll(async () => {
    await orm?.close(true);
    await release?.();
  });
  beforeEach(() => orm.schema.clear());

  it('reads-rows-with-bound-values', async () => {
    const statements = statementsOf(orm);
    for (const [id, name] of [[1, 'one'], [2, "it's two; drop table committed_things"], [3, 'three']] as const) await statements.run(insert, [id, name]);
    const rows = await statements.committedRows<{ id: number; name: string }>(select, [1, 'three']);
    expect(rows.map((row) => ({ id: Number(row.id), name: row.name }))).toEqual([{ id: 2, name: "it's two; drop table committed_things" }]);
    // The same text again, other values: the prepared statement is reused with them.
    expect(ids(await statements.committedRows(select, [0, 'one']))).toEqual([2, 3]);
  });

  // In memory, SQLite has one connection, held by the transaction: a read waits for it to end (and would never end inside it).
  it.skipIf(target.name === 'sqlite in memory')('neither-sees-nor-waits-for-a-transaction-in-progress', async () => {
    const statements = statementsOf(orm);
    await statements.run(insert, [1, 'one']);
    const seenInside = await statements.transaction(async (tx) => {
      await tx.run(insert, [2, 'two']);
      // The transaction's own reads see its write; a committed read, only what was committed before it.
      expect(ids(await tx.rows(select, [0, '']))).toEqual([1, 2]);
      return ids(await statements.committedRows(select, [0, '']));
    });
    expect(seenInside).toEqual([1]);
    expect(ids(await statements.committedRows(select, [0, '']))).toEqual([1, 2]);
  });

  it('waits-for-nothing-and-sees-the-commit-once-it-happened', async () => {
    const statements = statementsOf(orm);
    const writing = statements.transaction((tx) => tx.run(insert, [7, 'seven']));
    // Issued while the transaction may still be running: it sees all of it or none of it.
    const during = ids(await statements.committedRows(select, [0, '']));
    expect([[], [7]]).toContainEqual(during);
    await writing;
    expect(ids(await statements.committedRows(select, [0, '']))).toEqual([7]);
  });
});
