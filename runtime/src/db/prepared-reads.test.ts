import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineEntity, p } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrm, type Orm } from './create-orm.ts';
import { ensureSchema } from './ensure-schema.ts';
import { readRows } from './prepared-reads.ts';
import { createTemporaryPostgresDatabase } from './testing.ts';

const ReadThingSchema = defineEntity({
  name: 'ReadThing',
  tableName: 'read_things',
  properties: { id: p.integer().primary(), name: p.string() },
});
class ReadThing extends ReadThingSchema.class {}
ReadThingSchema.setClass(ReadThing);

const targets: { name: string; open(): Promise<{ orm: Orm; release(): Promise<void> }> }[] = [
  {
    name: 'a sqlite file',
    open: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'prepared-reads-'));
      return { orm: await createOrm({ driver: 'sqlite', dbName: join(dir, 'db.sqlite'), entities: [ReadThingSchema] }), release: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  { name: 'sqlite in memory', open: async () => ({ orm: await createOrm({ driver: 'sqlite', dbName: ':memory:', entities: [ReadThingSchema] }), release: async () => {} }) },
  {
    name: 'postgresql',
    open: async () => {
      const database = await createTemporaryPostgresDatabase();
      return { orm: await createOrm({ driver: 'postgresql', url: database.url, entities: [ReadThingSchema] }), release: database.drop };
    },
  },
];

describe.each(targets)('readRows on $name', (target) => {
  let orm: Orm;
  let release: () => Promise<void>;
  let select: string;
  beforeAll(async () => {
    ({ orm, release } = await target.open());
    await ensureSchema(orm);
    await orm.em.fork().insertMany(ReadThing, [{ id: 1, name: 'one' }, { id: 2, name: "it's two; drop table read_things" }, { id: 3, name: 'three' }]);
    const q = (name: string): string => orm.em.getPlatform().quoteIdentifier(name);
    // Placeholders as MikroORM writes them; each driver gets its own (bound-drivers.ts).
    select = `select ${q('id')}, ${q('name')} from ${q('read_things')} where ${q('id')} > ? and ${q('name')} <> ? order by ${q('id')}`;
  });
  afterAll(async () => {
    await orm.close(true);
    await release();
  });

  it('reads-committed-rows-with-bound-values', async () => {
    const rows = await readRows<{ id: number; name: string }>(orm, select, [1, 'three']);
    expect(rows.map((row) => ({ id: Number(row.id), name: row.name }))).toEqual([{ id: 2, name: "it's two; drop table read_things" }]);
    // The same text again, other values: the prepared statement is reused with them.
    expect((await readRows<{ id: number }>(orm, select, [0, 'one'])).map((row) => Number(row.id))).toEqual([2, 3]);
  });

  // In memory, SQLite has one connection, held by the transaction: a read waits for it to end.
  it.skipIf(target.name === 'sqlite in memory')('never-sees-a-write-whose-transaction-has-not-committed', async () => {
    const seenInside = await orm.em.fork().transactional(async (em) => {
      await em.insert(ReadThing, { id: 4, name: 'four' });
      return (await readRows<{ id: number }>(orm, select, [3, ''])).map((row) => Number(row.id));
    });
    expect(seenInside).toEqual([]);
    expect((await readRows<{ id: number }>(orm, select, [3, ''])).map((row) => Number(row.id))).toEqual([4]);
  });
});
