import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineEntity, p } from '@mikro-orm/core';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../config/index.ts';
import { databaseCheck, openDatabase } from './open-database.ts';
import { databaseLocation, databaseSettings } from './settings.ts';

const NoteSchema = defineEntity({ name: 'Note', tableName: 'notes', properties: { id: p.integer().primary(), text: p.string() } });

describe('openDatabase', () => {
  it('opens-sqlite-with-the-entities-schema-and-reports-it-reachable', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'open-database-'));
    try {
      const orm = await openDatabase({ driver: 'sqlite', url: join(folder, 'part.sqlite'), entities: [NoteSchema], migrations: join(folder, 'migrations') });
      try {
        await orm.em.fork().insert(NoteSchema, { id: 1, text: 'hello' });
        expect(await databaseCheck(orm)()).toEqual({ ok: true, detail: 'reachable' });
      } finally {
        await orm.close(true);
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('fails-on-an-unreachable-server-with-nothing-left-open', async () => {
    await expect(openDatabase({ driver: 'postgresql', url: 'postgresql://postgres@127.0.0.1:1/none', entities: [NoteSchema], migrations: '/nowhere', schema: 'migrations' })).rejects.toThrow(/ECONNREFUSED|connect/);
  });
});

const read = (env: Record<string, string>) => readConfig(databaseSettings, env, (values, problem) => databaseLocation(values, 'part', problem));

describe('databaseSettings', () => {
  it('defaults-to-a-sqlite-file-named-after-the-part', () => {
    expect(read({})).toEqual({ driver: 'sqlite', url: 'data/part.sqlite' });
  });

  it('requires-a-url-of-the-drivers-protocol-for-a-server', () => {
    expect(() => read({ DB_DRIVER: 'postgresql' })).toThrow('DB_URL is required when DB_DRIVER is postgresql');
    expect(() => read({ DB_DRIVER: 'mssql', DB_URL: 'postgresql://x@h/db' })).toThrow('DB_URL must be a URL with protocol mssql: or sqlserver: when DB_DRIVER is mssql');
    expect(() => read({ DB_URL: 'postgresql://x@h/db' })).toThrow('DB_URL must be a file path or :memory: when DB_DRIVER is sqlite, not a URL');
  });
});
