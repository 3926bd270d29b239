/**
 * Development seed data (architecture doc): three platforms, written only into an empty catalogue
 * and only when enabled (SEED_DATA). Seeded platforms are created like any other, so each gets
 * its platform.published event through the outbox.
 */
import type { Logger } from '@platform/runtime/logging';
import type { DatabaseOutbox } from '@platform/runtime/outbox';
import { Platform } from './platform-entity.ts';
import type { VersionedPlatform } from './platform-entity.ts';
import type { PlatformFields, PlatformWriter } from './write-platforms.ts';

export const seedPlatforms: readonly PlatformFields[] = [
  { name: 'Dot Net', publisher: 'Microsoft', cost: 'Free' },
  { name: 'SQL Server Express', publisher: 'Microsoft', cost: 'Free' },
  { name: 'Kubernetes', publisher: 'Cloud Native Computing Foundation', cost: 'Free' },
];

export interface SeedOptions {
  readonly outbox: DatabaseOutbox;
  readonly writer: PlatformWriter;
  readonly logger: Logger;
}

/**
 * Seeds an empty catalogue in one transaction; returns the platforms written (none when the
 * catalogue already had rows). Two replicas seeding the same empty database at the same moment
 * could both write: seeding is for development databases with one instance (off in production).
 */
export async function seedCatalogue(options: SeedOptions): Promise<readonly VersionedPlatform[]> {
  const { outbox, writer, logger } = options;
  const seeded = await outbox.transactional(async (em, events) => {
    // Deleted platforms count: a catalogue whose platforms were all deleted is not empty.
    if ((await em.count(Platform, {})) > 0) return [];
    return writer.insert(em, events, seedPlatforms);
  });
  if (seeded.length > 0) logger.info({ platforms: seeded.length }, 'seeded an empty catalogue');
  else logger.debug('catalogue not empty, no seed');
  return seeded;
}
