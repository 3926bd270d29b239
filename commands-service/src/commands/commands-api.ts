import type { CommandsServiceHandlers } from '@platform/gen/openapi/commands-service/server.ts';
import { LockMode } from '@mikro-orm/core';
import type { Orm } from '@platform/runtime/db';
import { problem } from '@platform/runtime/rest';
import { Platform } from '../platforms/platform-entity.ts';
import { Command } from './command-entity.ts';

/** The command operations of the REST contract. `platformId` is the platform's external id; a deleted platform is unknown. */
export type CommandsApi = Pick<CommandsServiceHandlers, 'listCommandsForPlatform' | 'getCommandForPlatform' | 'createCommandForPlatform'>;

const unknownPlatform = (platformId: number) => ({ status: 404, body: problem(404, `cannot find platform ${platformId}: no such platform`) }) as const;

/** The API's view of a command: its own id, and its platform by external id. */
function toBody(command: Command, platformId: number) {
  return { id: command.id, howTo: command.howTo, commandLine: command.commandLine, platformId };
}

export function createCommandsApi(orm: Orm) {
  return {
    async listCommandsForPlatform({ params: { platformId } }) {
      const em = orm.em.fork();
      const platform = await em.findOne(Platform, { externalId: platformId, deleted: false });
      if (platform === null) return unknownPlatform(platformId);
      const commands = await em.find(Command, { platform }, { orderBy: { id: 'asc' } });
      return { status: 200, body: commands.map((command) => toBody(command, platformId)) };
    },

    async getCommandForPlatform({ params: { platformId, commandId } }) {
      const em = orm.em.fork();
      const platform = await em.findOne(Platform, { externalId: platformId, deleted: false });
      if (platform === null) return unknownPlatform(platformId);
      // Scoped by platform: a command of another platform is not found here.
      const command = await em.findOne(Command, { id: commandId, platform });
      if (command === null) return { status: 404, body: problem(404, `cannot find command ${commandId} of platform ${platformId}: no such command`) };
      return { status: 200, body: toBody(command, platformId) };
    },

    async createCommandForPlatform({ params: { platformId }, body }, { log }) {
      // The platform row stays share-locked until the command is committed: a delete of the platform
      // (which takes the row to mark it) waits for it and then removes the command too, or goes first
      // and the platform is no longer found here. Never a command left behind a deleted platform.
      const command = await orm.em.fork().transactional(async (em) => {
        const platform = await em.findOne(Platform, { externalId: platformId, deleted: false }, { lockMode: LockMode.PESSIMISTIC_READ });
        if (platform === null) return undefined;
        return em.create(Command, { howTo: body.howTo, commandLine: body.commandLine, platform });
      });
      if (command === undefined) return unknownPlatform(platformId);
      log.info({ platformId, commandId: command.id }, 'command created');
      return {
        status: 201,
        body: toBody(command, platformId),
        headers: { location: `/api/c/platforms/${platformId}/commands/${command.id}` },
      };
    },
  } satisfies CommandsApi;
}
