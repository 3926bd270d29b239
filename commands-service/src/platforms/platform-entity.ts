import { defineEntity, p } from '@mikro-orm/core';

/**
 * commands-service's own copy of a platform. `id` is this service's row id and never leaves
 * the service; `externalId` is the id platform-service assigned, the one the API calls
 * `platformId`. Unique, so learning the same platform twice (sync and event, or a duplicate
 * delivery) can never make two rows.
 */
export const PlatformSchema = defineEntity({
  name: 'Platform',
  tableName: 'platforms',
  properties: {
    id: p.integer().primary(),
    externalId: p.integer().unique(),
    name: p.string().length(200),
  },
});

export class Platform extends PlatformSchema.class {}
PlatformSchema.setClass(Platform);
