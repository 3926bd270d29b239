import { defineEntity, p } from '@mikro-orm/core';
import { Platform } from '../platforms/platform-entity.ts';

/** A command line of a platform. `id` is this service's own and is the API's `commandId`. */
export const CommandSchema = defineEntity({
  name: 'Command',
  tableName: 'commands',
  properties: {
    id: p.integer().primary(),
    howTo: p.string().length(500),
    commandLine: p.string().length(500),
    platform: () => p.manyToOne(Platform).index(),
  },
});

export class Command extends CommandSchema.class {}
CommandSchema.setClass(Command);
