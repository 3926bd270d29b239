/** The deployable parts of the repository, as the deployment checks see them. */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { AnyEntity, EntityClass, EntitySchema } from '@mikro-orm/core';

export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface MigratedService {
  readonly name: 'platform-service' | 'commands-service';
  /** `<service>/migrations`, holding one folder per server driver. */
  readonly migrationsRoot: string;
  /** The service's entities (imported lazily: only the tools need them all at once). */
  entities(): Promise<(EntitySchema | EntityClass<AnyEntity>)[]>;
}

export const migratedServices: readonly MigratedService[] = [
  {
    name: 'platform-service',
    migrationsRoot: join(repositoryRoot, 'platform-service', 'migrations'),
    entities: async () => [...(await import('../../platform-service/src/database.ts')).entities],
  },
  {
    name: 'commands-service',
    migrationsRoot: join(repositoryRoot, 'commands-service', 'migrations'),
    entities: async () => [...(await import('../../commands-service/src/database.ts')).entities],
  },
];
