/**
 * What commands-service stores and where its migrations are; the runtime's `openDatabase` opens
 * it and brings the schema up to date (committed migrations in production, the entities' schema otherwise).
 */
import { fileURLToPath } from 'node:url';
import type { DatabaseDeclaration } from '@platform/runtime/db';
import { CommandSchema } from './commands/command-entity.ts';
import { PlatformSchema } from './platforms/platform-entity.ts';

/** Every entity of commands-service. */
export const entities = [PlatformSchema, CommandSchema] as const;

/** commands-service's database: its entities and `commands-service/migrations` (one folder per server driver). */
export const commandsServiceDatabase: DatabaseDeclaration = { entities, migrations: fileURLToPath(new URL('../migrations', import.meta.url)) };
