import { defineEntity, p } from '@mikro-orm/core';

/**
 * commands-service's own copy of a platform. `id` is this service's row id and never leaves
 * the service; `externalId` is the id platform-service assigned, the one the API calls
 * `platformId`. Unique, so learning the same platform twice (sync and event, or a duplicate
 * delivery) can never make two rows. `version` is platform-service's: a change is applied only
 * when it is newer. A deleted platform stays as a tombstone (`deleted`), so that late events for
 * it are ignored; its commands are removed with it. `changedAt` is when this copy last learnt
 * about the platform, in epoch milliseconds of the database's clock (shared by every replica);
 * the start-up sync uses it to tell platforms it must remove from ones learnt while it ran.
 */
export const PlatformSchema = defineEntity({
  name: 'Platform',
  tableName: 'platforms',
  properties: {
    id: p.integer().primary(),
    externalId: p.integer().unique(),
    name: p.string().length(200),
    version: p.integer().default(1),
    deleted: p.boolean().default(false),
    changedAt: p.bigint('number').default(0),
  },
});

export class Platform extends PlatformSchema.class {}
PlatformSchema.setClass(Platform);
