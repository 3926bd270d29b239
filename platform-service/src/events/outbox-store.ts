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

/** One outbox row as the database driver returns it (see `fromRow`). */
interface OutboxRow {
  readonly id: number | string;
  readonly topic: string;
  readonly message_id: string;
  readonly payload: Uint8Array;
  readonly metadata: string | Record<string, string>;
}

/** The relay's two statements, written once per dialect (SQL Server has `top`, not `limit`). */
function relayStatements(orm: Orm): { fetchPending: string; markSent: string } {
  const platform = orm.em.getPlatform();
  const table = platform.quoteIdentifier('outbox_messages');
  const columns = ['id', 'topic', 'message_id', 'payload', 'metadata'].map((column) => platform.quoteIdentifier(column)).join(', ');
  const [id, sentAt] = [platform.quoteIdentifier('id'), platform.quoteIdentifier('sent_at')];
  // SQL Server, the one supported platform with OUTPUT clauses, is also the one without LIMIT.
  const usesLimit = !platform.usesOutputStatement();
  return {
    fetchPending: usesLimit
      ? `select ${columns} from ${table} where ${sentAt} is null order by ${id} asc limit ?`
      : `select top (?) ${columns} from ${table} where ${sentAt} is null order by ${id} asc`,
    // `?` with an array expands to the list of ids.
    markSent: `update ${table} set ${sentAt} = ? where ${id} in (?)`,
  };
}

/**
 * A row as a record: drivers differ in what they return for the bigint id (SQLite a number,
 * PostgreSQL and SQL Server a string), the blob (Uint8Array or Buffer) and the JSON column
 * (PostgreSQL's jsonb is parsed already; SQLite and SQL Server give its text).
 */
function fromRow(row: OutboxRow): OutboxRecord {
  const metadata: Record<string, string> = typeof row.metadata === 'string' ? JSON.parse(row.metadata) : { ...row.metadata };
  return { id: Number(row.id), topic: row.topic, message: { id: row.message_id, payload: new Uint8Array(row.payload), metadata } };
}

/**
 * Creates the MikroORM-backed outbox of platform-service. Messages are added through the unit
 * of work of the caller's transaction; the relay's reads and updates are plain statements on
 * the ORM's connection (no entity hydration: the relay runs them for every batch).
 */
export function createDatabaseOutboxStore(options: DatabaseOutboxStoreOptions): DatabaseOutboxStore {
  const { orm } = options;
  const statements = relayStatements(orm);
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
      if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`cannot fetch pending outbox records: limit must be an integer >= 1, got ${limit}`);
      const rows = await orm.em.getConnection().execute<OutboxRow[]>(statements.fetchPending, [limit], 'all');
      return rows.map(fromRow);
    },
    async markSent(ids) {
      if (ids.length === 0) return;
      await orm.em.getConnection().execute(statements.markSent, [new Date(), ids.map(Number)], 'run');
    },
    countPending() {
      return orm.em.fork().count(OutboxMessage, { sentAt: null });
    },
  };
}
