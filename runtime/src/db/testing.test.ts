import { defineEntity, p } from '@mikro-orm/core';
import { describe, expect, it } from 'vitest';
import { createOrm } from './create-orm.ts';
import { createTemporaryPostgresDatabase, localPostgresUrl, withTemporaryPostgresDatabase } from './testing.ts';

const ProbeSchema = defineEntity({ name: 'Probe', properties: { id: p.integer().primary() } });

/** Whether a database of that name exists on the local server. */
async function exists(dbName: string): Promise<boolean> {
  const orm = await createOrm({ driver: 'postgresql', url: `${localPostgresUrl}/postgres`, entities: [ProbeSchema] });
  try {
    const rows = await orm.em.getConnection().execute('select 1 from pg_database where datname = ?', [dbName]);
    return rows.length === 1;
  } finally {
    await orm.close(true);
  }
}

describe('withTemporaryPostgresDatabase', () => {
  it('provides-a-fresh-database-and-drops-it-afterwards', async () => {
    const seen = await withTemporaryPostgresDatabase(async (database) => {
      expect(database.url).toBe(`${localPostgresUrl}/${database.dbName}`);
      expect(await exists(database.dbName)).toBe(true);
      return database.dbName;
    });
    expect(await exists(seen)).toBe(false);
  });

  it('drops-the-database-when-the-callback-throws', async () => {
    let name = '';
    await expect(
      withTemporaryPostgresDatabase(async (database) => {
        name = database.dbName;
        throw new Error('test failed');
      }),
    ).rejects.toThrow('test failed');
    expect(await exists(name)).toBe(false);
  });

  it('drops-even-while-a-connection-is-open', async () => {
    const database = await createTemporaryPostgresDatabase({ prefix: 'probe' });
    const orm = await createOrm({ driver: 'postgresql', url: database.url, entities: [ProbeSchema] });
    try {
      await orm.em.getConnection().execute('select 1');
      await database.drop();
      await database.drop();
      expect(database.dbName).toMatch(/^probe_/);
      expect(await exists(database.dbName)).toBe(false);
    } finally {
      await orm.close(true);
    }
  });

  it('gives-unique-names', async () => {
    const [a, b] = await Promise.all([createTemporaryPostgresDatabase(), createTemporaryPostgresDatabase()]);
    try {
      expect(a.dbName).not.toBe(b.dbName);
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
  });

  it('rejects-a-prefix-that-is-not-a-plain-identifier', async () => {
    await expect(createTemporaryPostgresDatabase({ prefix: 'Bad-Prefix' })).rejects.toThrow(/prefix must be 1-31 lower-case letters/);
  });
});

describe('@platform/runtime/db/testing', () => {
  it('is-importable-by-package-name-from-other-workspaces', async () => {
    const byName = await import('@platform/runtime/db/testing');
    expect(byName.createTemporaryPostgresDatabase).toBe(createTemporaryPostgresDatabase);
  });
});
