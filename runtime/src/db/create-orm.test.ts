import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { defineEntity, p } from '@mikro-orm/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/index.ts';
import { createOrm, type Orm } from './create-orm.ts';
import { ensureSchema } from './ensure-schema.ts';
import { isUniqueViolation } from './errors.ts';
import { createTemporaryPostgresDatabase } from './testing.ts';

const ThingSchema = defineEntity({
  name: 'Thing',
  properties: {
    id: p.integer().primary(),
    name: p.string().unique(),
    note: p.string().nullable(),
  },
});
class Thing extends ThingSchema.class {}
ThingSchema.setClass(Thing);

interface Target {
  readonly name: string;
  open(): Promise<{ orm: Orm; release(): Promise<void> }>;
}

const targets: Target[] = [
  {
    name: 'sqlite in memory',
    open: async () => ({ orm: await createOrm({ driver: 'sqlite', dbName: ':memory:', entities: [ThingSchema] }), release: async () => {} }),
  },
  {
    name: 'postgresql',
    open: async () => {
      const database = await createTemporaryPostgresDatabase();
      return { orm: await createOrm({ driver: 'postgresql', url: database.url, entities: [ThingSchema] }), release: database.drop };
    },
  },
];

describe.each(targets)('createOrm on $name', (target) => {
  let orm: Orm;
  let release: () => Promise<void>;

  beforeAll(async () => {
    ({ orm, release } = await target.open());
    await ensureSchema(orm);
  });

  afterAll(async () => {
    await orm?.close(true);
    await release?.();
  });

  beforeEach(async () => {
    await orm.schema.clear();
  });

  it('creates-and-reads-an-entity', async () => {
    const em = orm.em.fork();
    const created = em.create(Thing, { name: 'Dot Net' });
    await em.flush();
    expect(created.id).toBeTypeOf('number');
    const read = await orm.em.fork().findOneOrFail(Thing, { name: 'Dot Net' });
    expect(read).toMatchObject({ id: created.id, name: 'Dot Net', note: null });
    expect(read).toBeInstanceOf(Thing);
  });

  it('keeps-data-when-the-schema-is-ensured-again', async () => {
    const em = orm.em.fork();
    em.create(Thing, { name: 'kept' });
    await em.flush();
    await ensureSchema(orm);
    expect(await orm.em.fork().count(Thing)).toBe(1);
  });

  it('surfaces-a-unique-violation-as-a-recognisable-error', async () => {
    const first = orm.em.fork();
    first.create(Thing, { name: 'duplicate' });
    await first.flush();
    const second = orm.em.fork();
    second.create(Thing, { name: 'duplicate' });
    const error: unknown = await second.flush().then(() => undefined, (thrown: unknown) => thrown);
    expect(isUniqueViolation(error)).toBe(true);
    expect(isUniqueViolation(new Error('other'))).toBe(false);
  });

  it('rolls-back-a-transaction-that-throws', async () => {
    const attempt = orm.em.fork().transactional(async (em) => {
      em.create(Thing, { name: 'rolled back' });
      await em.flush();
      throw new Error('abort after write');
    });
    await expect(attempt).rejects.toThrow('abort after write');
    expect(await orm.em.fork().count(Thing)).toBe(0);
  });

  it('answers-a-connection-check', async () => {
    expect(await orm.checkConnection()).toMatchObject({ ok: true });
  });
});

describe('createOrm on a sqlite file', () => {
  let folder: string;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'create-orm-'));
  });

  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('creates-the-folder-and-uses-wal-with-synchronous-normal', async () => {
    const path = join(folder, 'nested', 'data', 'platforms.sqlite');
    const orm = await createOrm({ driver: 'sqlite', dbName: path, entities: [ThingSchema] });
    try {
      await ensureSchema(orm);
      const connection = orm.em.getConnection();
      expect(await connection.execute('pragma journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      expect(await connection.execute('pragma synchronous')).toEqual([{ synchronous: 1 }]);
      expect((await stat(path)).isFile()).toBe(true);
    } finally {
      await orm.close(true);
    }
  });
});

describe('createOrm for SQL Server', () => {
  it('generates-t-sql-without-a-server', async () => {
    const orm = await createOrm({ driver: 'mssql', url: 'mssql://sa:unused@127.0.0.1:1/platforms', entities: [ThingSchema] });
    try {
      const sql = await orm.schema.getCreateSchemaSQL({ wrap: false });
      expect(sql).toContain('create table [thing]');
      expect(sql).toContain('identity(1,1)');
    } finally {
      await orm.close(true);
    }
  });
});

describe('createOrm options', () => {
  it('rejects-incomplete-or-mismatched-options', async () => {
    await expect(createOrm({ driver: 'sqlite', entities: [ThingSchema] })).rejects.toThrow('cannot create ORM: sqlite needs dbName (a file path or ":memory:")');
    await expect(createOrm({ driver: 'sqlite', url: 'postgresql://x', dbName: ':memory:', entities: [ThingSchema] })).rejects.toThrow(/sqlite takes dbName/);
    await expect(createOrm({ driver: 'postgresql', entities: [ThingSchema] })).rejects.toThrow('cannot create ORM: postgresql needs url (and optionally dbName)');
    await expect(createOrm({ driver: 'oracle' as 'sqlite', dbName: ':memory:', entities: [ThingSchema] })).rejects.toThrow(/driver must be one of sqlite, postgresql, mssql/);
    await expect(createOrm({ driver: 'sqlite', dbName: ':memory:', entities: [] })).rejects.toThrow('cannot create ORM: no entities given');
  });

  it('logs-sql-as-debug-lines-when-the-logger-is-at-debug', async () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>));
        done();
      },
    });
    const orm = await createOrm({ driver: 'sqlite', dbName: ':memory:', entities: [ThingSchema], logger: createLogger({ name: 'db-test', level: 'debug', destination }) });
    try {
      await ensureSchema(orm);
      expect(lines.some((line) => line.msg === 'query' && line.level === 'debug' && String(line.sql).startsWith('create table'))).toBe(true);
    } finally {
      await orm.close(true);
    }
  });
});
