/**
 * What platform-service stores and where its migrations are; the runtime's `openDatabase` opens
 * it and brings the schema up to date (committed migrations in production, the entities' schema otherwise).
 */
import { fileURLToPath } from 'node:url';
import type { DatabaseDeclaration } from '@platform/runtime/db';
import { OutboxMessageSchema } from '@platform/runtime/outbox';
import { PlatformSchema } from './platforms/platform-entity.ts';

/** Every entity platform-service stores. */
export const entities = [PlatformSchema, OutboxMessageSchema];

/** platform-service's database: its entities and `platform-service/migrations` (one folder per server driver). */
export const platformServiceDatabase: DatabaseDeclaration = { entities, migrations: fileURLToPath(new URL('../migrations', import.meta.url)) };
