import { defineEntity, p } from '@mikro-orm/core';
import { describe, expect, it } from 'vitest';
import { createOrm } from './create-orm.ts';
import type { Orm } from './create-orm.ts';
import { ensureSchema } from './ensure-schema.ts';
import { withTemporaryPostgresDatabase } from './testing.ts';

const GadgetSchema = defineEntity({ name: 'Gadget', properties: { id: p.integer().primary(), name: p.string().unique() } });
const WidgetSchema = defineEntity({ name: 'Widget', properties: { id: p.integer().primary(), label: p.string(), weight: p.integer().nullable() } });
const entities = [GadgetSchema, WidgetSchema];

describe('ensureSchema on postgresql', () => {
  it('creates-the-schema-once-when-replicas-start-together-on-an-empty-database', async () => {
    await withTemporaryPostgresDatabase(async (database) => {
      const replicas: Orm[] = await Promise.all([1, 2, 3].map(() => createOrm({ driver: 'postgresql', url: database.url, entities })));
      try {
        const results = await Promise.all(replicas.map((orm) => ensureSchema(orm)));
        const creators = results.filter((result) => result.statements.length > 0);
        expect(creators).toHaveLength(1);
        expect(creators[0]?.statements.filter((sql) => sql.startsWith('create table'))).toHaveLength(2);
        const [first] = replicas;
        const tables = await first!.em.getConnection().execute<{ table_name: string }[]>(
          "select table_name from information_schema.tables where table_schema = 'public' order by table_name",
        );
        expect(tables.map((row) => row.table_name)).toEqual(['gadget', 'widget']);
        expect((await ensureSchema(first!)).statements).toEqual([]);
      } finally {
        await Promise.all(replicas.map((orm) => orm.close(true)));
      }
    }, { prefix: 'schema_race' });
  });
});
