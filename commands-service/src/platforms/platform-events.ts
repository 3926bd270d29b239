import type { PlatformEventsHandlers } from '@platform/gen/asyncapi/platform-events/index.ts';
import type { Logger } from '@platform/runtime/logging';
import { currentCorrelationId } from '@platform/runtime/messaging';
import type { CatalogueCopy } from './catalogue-copy.ts';

/**
 * The platform event handlers: each applies its event to this service's copy of the catalogue
 * only when it is newer than what the copy holds (see catalogue-copy.ts), so duplicates and
 * events that overtake each other change nothing. Each resolves only after its write committed:
 * the message is acknowledged after the commit, never before.
 */
export function createPlatformEventHandlers(copy: CatalogueCopy, logger: Logger): PlatformEventsHandlers {
  const log = (changed: boolean, fields: Record<string, unknown>, applied: string, ignored: string): void => {
    logger.info({ ...fields, correlationId: currentCorrelationId() }, changed ? applied : ignored);
  };
  return {
    async receivePlatformPublished(event, message) {
      const changed = await copy.apply({ id: event.id, name: event.name, version: 1 });
      log(changed, { platformId: event.id, messageId: message.id }, 'platform added from platform.published', 'platform already known or deleted, platform.published changes nothing');
    },
    async receivePlatformUpdated(event, message) {
      const changed = await copy.apply({ id: event.id, name: event.name, version: event.version });
      log(changed, { platformId: event.id, version: event.version, messageId: message.id }, 'platform updated from platform.updated', 'platform at this version or newer, or deleted: platform.updated changes nothing');
    },
    async receivePlatformDeleted(event, message) {
      const changed = await copy.remove(event.id, event.version);
      log(changed, { platformId: event.id, version: event.version, messageId: message.id }, 'platform and its commands removed by platform.deleted', 'platform already deleted: platform.deleted changes nothing');
    },
  } satisfies PlatformEventsHandlers;
}
