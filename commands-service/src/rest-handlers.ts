import type { CommandsServiceHandlers } from '@platform/gen/openapi/commands-service/server.ts';
import type { Orm } from '@platform/runtime/db';
import { createCommandsApi } from './commands/commands-api.ts';
import { createPlatformsApi } from './platforms/platforms-api.ts';

/**
 * Every operation of contracts/openapi/commands-service.yaml, bound to the service's database.
 * The return type is inferred, not annotated: createRestServer checks the bodies exactly against it.
 */
export function createRestHandlers(orm: Orm) {
  return { ...createPlatformsApi(orm), ...createCommandsApi(orm) } satisfies CommandsServiceHandlers;
}
