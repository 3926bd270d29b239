/**
 * The outbox table as runtime's outbox relay sees it (`OutboxStore`), plus the writer a service
 * uses inside its own transaction. Records come out in insert (id) order.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Orm } from '@platform/runtime/db';
import type { Message, OutboxRecord, OutboxStore } from '@platform/runtime/messaging';
import { OutboxMessage } from './outbox-entity.ts';

export interface DatabaseOutboxStore extends OutboxStore {
  /**
   * Adds messages to the unit of work of `em` (the caller's transaction): they are stored when it
   * flushes and commits, and never otherwise.
   */
  add(em: EntityManager, topic: string, messages: readonly Message[]): void;
  /** Records not yet sent (for /readyz and logs). */
  countPending(): Promise<number>;
}

export interface DatabaseOutboxStoreOptions {
  readonly orm: Orm;
}

/** Creates the MikroORM-backed outbox of platform-service. */
export function createDatabaseOutboxStore(options: DatabaseOutboxStoreOptions): DatabaseOutboxStore {
  const { orm } = options;
  return {
    add(em, topic, messages) {
      for (const message of messages) {
        em.create(OutboxMessage, {
          topic,
          messageId: message.id,
          payload: Buffer.from(message.payload),
          metadata: { ...message.metadata },
        });
      }
    },
    async fetchPending(limit) {
      // A fresh fork per round: the identity map never grows with the number of rows relayed.
      const rows = await orm.em.fork().find(OutboxMessage, { sentAt: null }, { orderBy: { id: 'asc' }, limit });
      return rows.map(
        (row): OutboxRecord => ({
          id: row.id,
          topic: row.topic,
          message: { id: row.messageId, payload: new Uint8Array(row.payload), metadata: { ...row.metadata } },
        }),
      );
    },
    async markSent(ids) {
      if (ids.length === 0) return;
      await orm.em.fork().nativeUpdate(OutboxMessage, { id: { $in: ids.map(Number) } }, { sentAt: new Date() });
    },
    countPending() {
      return orm.em.fork().count(OutboxMessage, { sentAt: null });
    },
  };
}
