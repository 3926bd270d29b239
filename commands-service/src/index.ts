/** `@platform/commands-service`: the part, for a launcher (`start.ts`) or a test that runs it in-process. */
export { contractEventNames, createCommandsService } from './service.ts';
export type { CommandsService, CommandsServiceOptions, PlatformEventNames } from './service.ts';
export { commandsServiceSettings, loadConfig } from './config.ts';
export type { CommandsServiceConfig } from './config.ts';
