/**
 * Writes the next versioned migration of each service for every server driver, offline:
 * `node tools/deploy/create-migrations.ts [name]` after changing an entity. Each migration is the
 * difference between the folder's snapshot and the entities, in the driver's own SQL dialect.
 * Commit the new `Migration*.ts` files and the updated `.snapshot.json` files.
 */
import { fileURLToPath } from 'node:url';
import { createOrm, createMigration, migratedDrivers, migrationsFolder } from '@platform/runtime/db';
import type { MigratedDriver } from '@platform/runtime/db';
import { migratedServices } from './services.ts';
import type { MigratedService } from './services.ts';

/** A URL the ORM is configured with but never connects to (migration generation is offline). */
const offlineUrls: Record<MigratedDriver, string> = {
  postgresql: 'postgresql://offline@127.0.0.1:1/offline',
  mssql: 'mssql://offline:offline@127.0.0.1:1/offline',
};

export async function createMigrations(service: MigratedService, name?: string): Promise<string[]> {
  const written: string[] = [];
  for (const driver of migratedDrivers) {
    const orm = await createOrm({ driver, url: offlineUrls[driver], entities: await service.entities() });
    try {
      const { fileName } = await createMigration(orm, migrationsFolder(service.migrationsRoot, driver), name);
      if (fileName !== undefined) written.push(`${service.name}/migrations/${driver}/${fileName}`);
    } finally {
      await orm.close(true);
    }
  }
  return written;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const name = process.argv[2];
  for (const service of migratedServices) {
    const written = await createMigrations(service, name);
    console.log(written.length > 0 ? written.map((file) => `wrote ${file}`).join('\n') : `${service.name}: entities match the migrations`);
  }
}
