/**
 * Changing the catalogue: each create, update and delete writes the platform and its event
 * (`platform.published`, `platform.updated`, `platform.deleted`, through the generated publish
 * functions into the outbox) in ONE transaction, so an event exists exactly when its change does.
 * The relay publishes it afterwards; a broker outage never fails a write.
 *
 * Versions give optimistic concurrency: an update or delete under If-Match with entity tags is a
 * compare-and-set on the version it read (`... where id = ? and version = ?`), so of concurrent
 * writers exactly one moves a version forward; the others read again and then see a newer version
 * (412) or none (404). Without If-Match (or with `*`) any existing version will do: one statement
 * moves it forward (`version = version + 1 ... returning version`), with no read first.
 */
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { StatementRunner } from '@platform/runtime/db';
import { publishPlatformDeleted, publishPlatformPublished, publishPlatformUpdated } from '@platform/gen/asyncapi/platform-events/index.ts';
import { AppError, errorCodes } from '@platform/runtime/errors';
import { ifMatchAllows, strongEtag, type IfMatch } from '@platform/runtime/http';
import type { Publisher } from '@platform/runtime/messaging';
import type { DatabaseOutbox } from '@platform/runtime/outbox';
import { Platform, toPlatformView, type VersionedPlatform } from './platform-entity.ts';
import { platformStatements } from './platform-statements.ts';

/** The fields of a new or replaced platform (already validated against the contract). */
export interface PlatformFields {
  readonly name: string;
  readonly publisher: string;
  readonly cost: string;
}

/** What the events of a write carry besides the platform. */
export interface EventContext {
  /** The event's correlation id: the request id of the request that caused it. */
  readonly correlationId?: string;
  /** W3C trace context of the request that caused it, carried as the event's `traceparent` header. */
  readonly traceparent?: string;
}

/** The outcome of an update or delete. */
export type WriteOutcome =
  | { readonly kind: 'written'; readonly platform: VersionedPlatform }
  | { readonly kind: 'not-found' }
  /** The platform exists at `version`, which the If-Match condition does not name. */
  | { readonly kind: 'precondition-failed'; readonly version: number };

export interface PlatformWriter {
  /** Creates one platform (version 1) and its `platform.published`; resolves once committed. */
  create(fields: PlatformFields, context?: EventContext): Promise<VersionedPlatform>;
  /**
   * Adds platforms and their events inside the caller's transaction, through its outbox
   * publisher; they are committed with it. For callers doing more in one transaction (the seed).
   */
  insert(em: SqlEntityManager, events: Publisher, platforms: readonly PlatformFields[], context?: EventContext): Promise<VersionedPlatform[]>;
  /** Replaces the fields of an existing platform when `condition` allows, with its `platform.updated`. */
  update(id: number, fields: PlatformFields, condition: IfMatch, context?: EventContext): Promise<WriteOutcome>;
  /** Deletes an existing platform when `condition` allows, with its `platform.deleted`; the outcome carries its final version. */
  remove(id: number, condition: IfMatch, context?: EventContext): Promise<WriteOutcome>;
}

export interface PlatformWriterOptions {
  /**
   * The service's outbox; its `transactionalStatements` runs each write as prepared statements
   * (platform-statements.ts) in one transaction with the event (and kicks the relay after the commit).
   */
  readonly outbox: DatabaseOutbox;
  /**
   * Compare-and-set attempts of one update or delete racing other writers of the same platform
   * before it gives up with an AppError `unavailable`. Default 20.
   */
  readonly maxAttempts?: number;
}

const eventOptions = (context: EventContext, timestamp: Date) => ({
  timestamp,
  ...(context.correlationId === undefined ? {} : { correlationId: context.correlationId }),
  ...(context.traceparent === undefined ? {} : { traceparent: context.traceparent }),
});

export function createPlatformWriter(options: PlatformWriterOptions): PlatformWriter {
  const { outbox } = options;
  const maxAttempts = options.maxAttempts ?? 20;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new AppError(errorCodes.invalidConfig, `cannot create platform writer: maxAttempts must be an integer >= 1, got ${maxAttempts}`);

  async function insert(em: SqlEntityManager, events: Publisher, platforms: readonly PlatformFields[], context: EventContext = {}): Promise<VersionedPlatform[]> {
    const created: VersionedPlatform[] = [];
    for (const fields of platforms) {
      const createdAt = new Date();
      const id = Number(await em.insert(Platform, { name: fields.name, publisher: fields.publisher, cost: fields.cost, version: 1, createdAt }));
      const platform = { id, name: fields.name, publisher: fields.publisher, cost: fields.cost, version: 1 };
      await publishPlatformPublished(events, toPlatformView(platform), eventOptions(context, createdAt));
      created.push(platform);
    }
    return created;
  }

  const sql = platformStatements(outbox.orm);

  /**
   * Reads the platform, checks `condition`, then moves its version forward with `change` only if
   * nobody else did in between; reads again after losing such a race.
   */
  async function compareAndSet(
    id: number,
    condition: IfMatch,
    what: string,
    change: (tx: StatementRunner, events: Publisher, current: VersionedPlatform, next: number) => Promise<VersionedPlatform | undefined>,
  ): Promise<WriteOutcome> {
    return outbox.transactionalStatements(async (tx, events) => {
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        const [row] = await tx.rows<VersionedPlatform>(sql.byId, [id]);
        if (row === undefined) return { kind: 'not-found' } as const;
        // Drivers differ in how they return integer columns (PostgreSQL may give a string).
        const current = { id: Number(row.id), name: row.name, publisher: row.publisher, cost: row.cost, version: Number(row.version) };
        if (!ifMatchAllows(condition, strongEtag(current.version))) return { kind: 'precondition-failed', version: current.version } as const;
        const written = await change(tx, events, current, current.version + 1);
        if (written !== undefined) return { kind: 'written', platform: written } as const;
      }
      throw new AppError(errorCodes.unavailable, `cannot ${what} platform ${id}: it changed under ${maxAttempts} attempts in a row`);
    });
  }

  return {
    insert,
    create(fields, context = {}) {
      return outbox.transactionalStatements(async (tx, events) => {
        const createdAt = new Date();
        const [row] = await tx.rows<{ id: number | string }>(sql.insert, [fields.name, fields.publisher, fields.cost, createdAt]);
        if (row === undefined) throw new AppError(errorCodes.internal, 'cannot create platform: the insert returned no id');
        const platform = { id: Number(row.id), name: fields.name, publisher: fields.publisher, cost: fields.cost, version: 1 };
        await publishPlatformPublished(events, toPlatformView(platform), eventOptions(context, createdAt));
        return platform;
      });
    },
    update(id, fields, condition, context = {}) {
      // Any existing version will do: one statement, no read first.
      if (condition.kind !== 'tags') {
        return outbox.transactionalStatements(async (tx, events): Promise<WriteOutcome> => {
          const [row] = await tx.rows<{ version: number | string }>(sql.updateExisting, [fields.name, fields.publisher, fields.cost, id]);
          if (row === undefined) return { kind: 'not-found' };
          const platform = { id, name: fields.name, publisher: fields.publisher, cost: fields.cost, version: Number(row.version) };
          await publishPlatformUpdated(events, platform, eventOptions(context, new Date()));
          return { kind: 'written', platform };
        });
      }
      return compareAndSet(id, condition, 'update', async (tx, events, current, version) => {
        const changed = await tx.run(sql.update, [fields.name, fields.publisher, fields.cost, version, id, current.version]);
        if (changed === 0) return undefined;
        const platform = { id, name: fields.name, publisher: fields.publisher, cost: fields.cost, version };
        await publishPlatformUpdated(events, platform, eventOptions(context, new Date()));
        return platform;
      });
    },
    remove(id, condition, context = {}) {
      if (condition.kind !== 'tags') {
        return outbox.transactionalStatements(async (tx, events): Promise<WriteOutcome> => {
          const deletedAt = new Date();
          const [row] = await tx.rows<VersionedPlatform>(sql.removeExisting, [deletedAt, id]);
          if (row === undefined) return { kind: 'not-found' };
          const version = Number(row.version);
          await publishPlatformDeleted(events, { id, version }, eventOptions(context, deletedAt));
          return { kind: 'written', platform: { id, name: row.name, publisher: row.publisher, cost: row.cost, version } };
        });
      }
      return compareAndSet(id, condition, 'delete', async (tx, events, current, version) => {
        const deletedAt = new Date();
        const changed = await tx.run(sql.remove, [version, deletedAt, id, current.version]);
        if (changed === 0) return undefined;
        await publishPlatformDeleted(events, { id, version }, eventOptions(context, deletedAt));
        return { ...toPlatformView(current), version };
      });
    },
  };
}
