/**
 * The committed migrations are the production schema: applied to an empty PostgreSQL database they
 * build exactly what the entities describe, and the SQL Server ones (no server here) are T-SQL from
 * the mssql platform with no drift against the entities.
 */
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Migration } from '@mikro-orm/migrations';
import { createMigration, createOrm, migrate, migratedDrivers, migrationsFolder, pendingMigrations, prepareSchema, schemaSource } from '@platform/runtime/db';
import type { Orm } from '@platform/runtime/db';
import { withTemporaryPostgresDatabase } from '@platform/runtime/db/testing';
import { Command } from '../../commands-service/src/commands/command-entity.ts';
import { Platform as KnownPlatform } from '../../commands-service/src/platforms/platform-entity.ts';
import { OutboxMessage } from '@platform/runtime/outbox';
import { Platform as CatalogPlatform } from '../../platform-service/src/platforms/platform-entity.ts';
import { migratedServices } from './services.ts';
import type { MigratedService } from './services.ts';

async function migrationFiles(folder: string): Promise<string[]> {
  return (await readdir(folder)).filter((file) => /^Migration.*\.ts$/.test(file)).toSorted();
}

/** The statements a migration's up() issues, as MikroORM would run them. */
async function upStatements(orm: Orm, file: string): Promise<string[]> {
  const module = (await import(pathToFileURL(file).href)) as Record<string, new (...args: unknown[]) => Migration>;
  const MigrationClass = Object.values(module)[0];
  if (MigrationClass === undefined) throw new Error(`no migration class in ${file}`);
  const migration = new MigrationClass(orm.em.getDriver(), orm.config);
  await migration.up();
  return migration.getQueries().map((query) => String(query));
}

const splitStatements = (sql: string): string[] =>
  sql
    .split(/;\n/)
    .map((statement) => statement.trim())
    .filter((statement) => statement !== '')
    .map((statement) => (statement.endsWith(';') ? statement : `${statement};`));

/** Writes typical rows of each service through a fresh unit of work and reads them back through another. */
const persistSamples: Partial<Record<MigratedService['name'], (orm: Orm) => Promise<unknown>>> = {
  'platform-service': async (orm) => {
    const em = orm.em.fork();
    em.create(CatalogPlatform, { name: 'Dot Net', publisher: 'Microsoft', cost: 'Free' });
    em.create(OutboxMessage, { topic: 'platform.published', messageId: 'm-1', payload: Buffer.from('{}'), metadata: { a: 'b' } });
    await em.flush();
    const read = orm.em.fork();
    return { platforms: await read.count(CatalogPlatform), outbox: await read.findOneOrFail(OutboxMessage, { messageId: 'm-1' }) };
  },
  'commands-service': async (orm) => {
    const em = orm.em.fork();
    const platform = em.create(KnownPlatform, { externalId: 7, name: 'Kubernetes' });
    em.create(Command, { howTo: 'list pods', commandLine: 'kubectl get pods', platform });
    await em.flush();
    return { command: await orm.em.fork().findOneOrFail(Command, { howTo: 'list pods' }, { populate: ['platform'] }) };
  },
};

const expectedSamples: Partial<Record<MigratedService['name'], object>> = {
  'platform-service': { platforms: 1, outbox: { topic: 'platform.published', metadata: { a: 'b' }, sentAt: null } },
  'commands-service': { command: { commandLine: 'kubectl get pods', platform: { externalId: 7, name: 'Kubernetes', version: 1, deleted: false } } },
};

/** How each dialect quotes identifiers: T-SQL brackets, PostgreSQL double quotes. */
const quoting = {
  mssql: { uses: /\[\w+\]/, never: /"\w+"/ },
  postgresql: { uses: /"\w+"/, never: /\[\w+\]/ },
} as const;

const committed = Object.fromEntries(
  await Promise.all(
    migratedServices.flatMap((service) =>
      migratedDrivers.map(async (driver) => [`${service.name}/${driver}`, await migrationFiles(migrationsFolder(service.migrationsRoot, driver))] as const),
    ),
  ),
) as Record<string, string[]>;

describe.each(migratedServices.map((service) => [service.name, service] as const))('%s migrations', (_name, service) => {
  it('has one migration folder per server driver, with the same migrations in each', async () => {
    const names = await Promise.all(migratedDrivers.map(async (driver) => (await migrationFiles(migrationsFolder(service.migrationsRoot, driver))).map((file) => file.replace(/^Migration\d+/, ''))));
    expect(names[0]?.length).toBeGreaterThan(0);
    for (const other of names) expect(other).toEqual(names[0]);
  });

  it('builds the entities schema on an empty postgresql database, then persists', async () => {
    await withTemporaryPostgresDatabase(
      async (database) => {
        const orm = await createOrm({ driver: 'postgresql', url: database.url, entities: await service.entities() });
        try {
          const names = (await migrationFiles(migrationsFolder(service.migrationsRoot, 'postgresql'))).map((file) => file.replace(/\.ts$/, ''));
          expect(await pendingMigrations(orm, service.migrationsRoot)).toEqual(names);
          expect((await migrate(orm, { root: service.migrationsRoot })).applied).toEqual(names);
          expect((await migrate(orm, { root: service.migrationsRoot })).applied).toEqual([]);
          expect(await pendingMigrations(orm, service.migrationsRoot)).toEqual([]);
          // No drift: the introspected database equals what the entities describe.
          expect((await orm.schema.getUpdateSchemaSQL({ wrap: false })).trim()).toBe('');
          // A service added with `npm run new:service` has no sample rows until its author writes some.
          const persist = persistSamples[service.name] ?? (async () => ({}));
          expect(await persist(orm)).toMatchObject(expectedSamples[service.name] ?? {});
        } finally {
          await orm.close(true);
        }
      },
      { prefix: 'deploy_migrations' },
    );
  });

  it.each([
    { nodeEnv: 'production', does: 'applies the migrations', trackingTables: 1, pendingAfter: 'none' },
    { nodeEnv: 'development', does: 'creates the schema from the entities', trackingTables: 0, pendingAfter: 'all' },
  ] as const)('start-up in $nodeEnv $does', async ({ nodeEnv, trackingTables, pendingAfter }) => {
    const all = (committed[`${service.name}/postgresql`] ?? []).map((file) => file.replace(/\.ts$/, ''));
    await withTemporaryPostgresDatabase(
      async (database) => {
        const orm = await createOrm({ driver: 'postgresql', url: database.url, entities: await service.entities() });
        try {
          await prepareSchema(orm, { migrations: service.migrationsRoot }, schemaSource(nodeEnv));
          const [tracking] = await orm.em.getConnection().execute<{ count: string }[]>(`select count(*) as count from information_schema.tables where table_name = 'mikro_orm_migrations'`);
          expect({ trackingTables: Number(tracking?.count), pending: await pendingMigrations(orm, service.migrationsRoot) }).toEqual({
            trackingTables,
            pending: pendingAfter === 'none' ? [] : all,
          });
          expect((await orm.schema.getUpdateSchemaSQL({ wrap: false })).trim()).toBe('');
        } finally {
          await orm.close(true);
        }
      },
      { prefix: 'deploy_migrations' },
    );
  });

  it('applies each migration once when replicas migrate at the same time', async () => {
    await withTemporaryPostgresDatabase(
      async (database) => {
        const orms = await Promise.all([1, 2, 3].map(async () => createOrm({ driver: 'postgresql', url: database.url, entities: await service.entities() })));
        try {
          const results = await Promise.all(orms.map((orm) => migrate(orm, { root: service.migrationsRoot })));
          const applied = results.flatMap((result) => result.applied);
          const files = await migrationFiles(migrationsFolder(service.migrationsRoot, 'postgresql'));
          expect(applied.toSorted()).toEqual(files.map((file) => file.replace(/\.ts$/, '')));
        } finally {
          await Promise.all(orms.map((orm) => orm.close(true)));
        }
      },
      { prefix: 'deploy_migrations' },
    );
  });

  describe.each(migratedDrivers.map((driver) => [driver] as const))('%s (offline)', (driver) => {
    const offlineUrl = driver === 'mssql' ? 'mssql://offline:offline@127.0.0.1:1/offline' : 'postgresql://offline@127.0.0.1:1/offline';

    it('has no drift: regenerating from the entities yields no new migration', async () => {
      const scratch = await mkdtemp(join(tmpdir(), `drift-${driver}-`));
      const orm = await createOrm({ driver, url: offlineUrl, entities: await service.entities() });
      try {
        await cp(migrationsFolder(service.migrationsRoot, driver), scratch, { recursive: true });
        const result = await createMigration(orm, scratch, 'drift');
        expect(result.up, `entities changed without a migration: run node tools/deploy/create-migrations.ts <name>`).toEqual([]);
        expect(result.fileName).toBeUndefined();
      } finally {
        await orm.close(true);
        await rm(scratch, { recursive: true, force: true });
      }
    });

    it(`is ${driver} SQL produced by the ${driver} platform for these entities`, async () => {
      const orm = await createOrm({ driver, url: offlineUrl, entities: await service.entities() });
      try {
        expect(orm.em.getPlatform().constructor.name).toBe(driver === 'mssql' ? 'MsSqlPlatform' : 'PostgreSqlPlatform');
        const folder = migrationsFolder(service.migrationsRoot, driver);
        const files = committed[`${service.name}/${driver}`] ?? [];
        const statements = (await Promise.all(files.map((file) => upStatements(orm, join(folder, file))))).flat();
        expect(statements.join('\n')).toMatch(quoting[driver].uses);
        expect(statements.join('\n')).not.toMatch(quoting[driver].never);
      } finally {
        await orm.close(true);
      }
    });

    // While the initial migration is the only one it must be exactly the platform's create-schema SQL.
    it.runIf((committed[`${service.name}/${driver}`] ?? []).length === 1)(`initial migration equals the ${driver} create-schema SQL of the entities`, async () => {
      const orm = await createOrm({ driver, url: offlineUrl, entities: await service.entities() });
      try {
        const folder = migrationsFolder(service.migrationsRoot, driver);
        const created = splitStatements(await orm.schema.getCreateSchemaSQL({ wrap: false }));
        expect(await upStatements(orm, join(folder, committed[`${service.name}/${driver}`]?.[0] ?? ''))).toEqual(created);
      } finally {
        await orm.close(true);
      }
    });
  });
});
