import type { CommandsServiceHandlers } from '@platform/gen/openapi/commands-service/server.ts';
import type { Orm } from '@platform/runtime/db';
import { Platform } from './platform-entity.ts';

/** The platform operations of the REST contract. Platforms are shown by their external id, deleted ones not at all. */
export type PlatformsApi = Pick<CommandsServiceHandlers, 'listPlatforms' | 'testInboundConnection'>;

export function createPlatformsApi(orm: Orm) {
  return {
    async listPlatforms() {
      const platforms = await orm.em.fork().find(Platform, { deleted: false }, { orderBy: { externalId: 'asc' } });
      return { status: 200, body: platforms.map((platform) => ({ id: platform.externalId, name: platform.name })) };
    },

    async testInboundConnection(request, { log }) {
      log.info({ userAgent: request.headers['user-agent'] }, 'inbound connection test received');
      return { status: 200, body: { message: 'Inbound test of commands-service succeeded' } };
    },
  } satisfies PlatformsApi;
}
