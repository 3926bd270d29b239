/**
 * Development seed data (architecture doc): three platforms, written only into an empty catalogue
 * and only when enabled (SEED_DATA). Seeded platforms are created like any other, so each gets
 * its platform.published event through the outbox.
 */
import type { Orm } from '@platform/runtime/db';
import type { Logger } from '@platform/runtime/logging';
import type { NewPlatform, PlatformCreator } from './create-platform.ts';
import { Platform } from './platform-entity.ts';
import type { PlatformView } from './platform-entity.ts';

export const seedPlatforms: readonly NewPlatform[] = [
  { name: 'Dot Net', publisher: 'Microsoft', cost: 'Free' },
  { name: 'SQL Server Express', publisher: 'Microsoft', cost: 'Free' },
  { name: 'Kubernetes', publisher: 'Cloud Native Computing Foundation', cost: 'Free' },
];

export interface SeedOptions {
  readonly orm: Orm;
  readonly creator: PlatformCreator;
  readonly logger: Logger;
}

/**
 * Seeds an empty catalogue in one transaction; returns the platforms written (none when the
 * catalogue already had rows). Two replicas seeding the same empty database at the same moment
 * could both write: seeding is for development databases with one instance (off in production).
 */
export async function seedCatalogue(options: SeedOptions): Promise<readonly PlatformView[]> {
  const { orm, creator, logger } = options;
  const seeded = await orm.em.fork().transactional(async (em) => {
    if ((await em.count(Platform, {})) > 0) return [];
    return creator.insert(em, seedPlatforms);
  });
  if (seeded.length > 0) logger.info({ platforms: seeded.length }, 'seeded an empty catalogue');
  else logger.debug('catalogue not empty, no seed');
  return seeded;
}
