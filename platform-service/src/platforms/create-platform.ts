/**
 * Creating platforms: the row and its platform.published event (the generated message envelope,
 * stored in the outbox) are written in ONE transaction, so an event exists exactly when the
 * platform does. The relay publishes it afterwards; a broker outage never fails a create.
 */
import type { EntityManager } from '@mikro-orm/core';
import { createPlatformPublishedMessage, platformPublishedTopology } from '@platform/gen/asyncapi/platform-events/index.ts';
import type { Orm } from '@platform/runtime/db';
import type { DatabaseOutboxStore } from '../events/outbox-store.ts';
import { Platform, toPlatformView } from './platform-entity.ts';
import type { PlatformView } from './platform-entity.ts';

/** The fields of a new platform (already validated against the contract). */
export interface NewPlatform {
  readonly name: string;
  readonly publisher: string;
  readonly cost: string;
}

export interface CreateOptions {
  /** Carried by the event as its correlation id: the request id of the request that caused it. */
  readonly correlationId?: string;
  /** W3C trace context of the request that caused it, carried as the event's `traceparent` header. */
  readonly traceparent?: string;
}

export interface PlatformCreator {
  /** Creates one platform in its own transaction; resolves once it is committed. */
  create(platform: NewPlatform, options?: CreateOptions): Promise<PlatformView>;
  /**
   * Adds platforms and their events inside the caller's transaction (`em.transactional`); they
   * are committed with it. For callers that must do more in the same transaction (the seed).
   */
  insert(em: EntityManager, platforms: readonly NewPlatform[], options?: CreateOptions): Promise<PlatformView[]>;
}

export interface PlatformCreatorOptions {
  readonly orm: Orm;
  readonly outbox: DatabaseOutboxStore;
  /** Called after each commit that wrote events (to kick the outbox relay). Default: nothing. */
  readonly afterCommit?: () => void;
}

export function createPlatformCreator(options: PlatformCreatorOptions): PlatformCreator {
  const { orm, outbox, afterCommit = () => {} } = options;

  async function insert(em: EntityManager, platforms: readonly NewPlatform[], createOptions: CreateOptions = {}): Promise<PlatformView[]> {
    const rows = platforms.map((platform) => em.create(Platform, { name: platform.name, publisher: platform.publisher, cost: platform.cost }));
    // The ids are assigned by the database: flush the rows first, then write their events.
    await em.flush();
    const messages = rows.map((row) =>
      createPlatformPublishedMessage(toPlatformView(row), {
        timestamp: row.createdAt,
        ...(createOptions.correlationId === undefined ? {} : { correlationId: createOptions.correlationId }),
        ...(createOptions.traceparent === undefined ? {} : { traceparent: createOptions.traceparent }),
      }),
    );
    outbox.add(em, platformPublishedTopology.routingKey, messages);
    await em.flush();
    return rows.map(toPlatformView);
  }

  return {
    insert,
    async create(platform, createOptions) {
      const [created] = await orm.em.fork().transactional((em) => insert(em, [platform], createOptions));
      afterCommit();
      return created as PlatformView;
    },
  };
}
