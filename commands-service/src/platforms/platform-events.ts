import type { PlatformEventsHandlers } from '@platform/gen/asyncapi/platform-events/index.ts';
import type { Orm } from '@platform/runtime/db';
import type { Logger } from '@platform/runtime/logging';
import { currentCorrelationId } from '@platform/runtime/messaging';
import { prepareAddMissingPlatform } from './add-missing-platforms.ts';

/**
 * The platform event handlers: a `platform.published` event adds the platform to this
 * service's copy of the catalogue unless its external id is known already, so a duplicate
 * delivery changes nothing. Each handler resolves only after its transaction committed:
 * the message is acknowledged after the commit, never before. The insert is one statement
 * (autocommitted), prepared once: the consumer's hot path builds no query and no entity.
 */
export function createPlatformEventHandlers(orm: Orm, logger: Logger): PlatformEventsHandlers {
  const addMissingPlatform = prepareAddMissingPlatform(orm);
  return {
    async receivePlatformPublished(event, message) {
      const added = await addMissingPlatform(event);
      const fields = { platformId: event.id, messageId: message.id, correlationId: currentCorrelationId() };
      if (added > 0) logger.info(fields, 'platform added from platform.published');
      else logger.info(fields, 'platform already known, platform.published changes nothing');
    },
  } satisfies PlatformEventsHandlers;
}
