/**
 * The transactional outbox on the service's own database (after Watermill's forwarder): a
 * Publisher that writes each message as a row inside the caller's transaction, and the store
 * the outbox relay reads and marks sent. An event therefore exists exactly when the change it
 * announces was committed; the relay publishes it afterwards, at least once, in write order.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { Orm } from '../db/index.ts';
import { statementsOf } from '../db/statements.ts';
import type { PreparedStatement, StatementRunner } from '../db/statements.ts';
import { AppError, errorCodes } from '../errors/index.ts';
import type { OutboxRecord, OutboxStore, Publisher } from '../messaging/index.ts';
import { OutboxMessage } from './outbox-entity.ts';
import { createOutboxLease, type OutboxLeaseHandle, type OutboxLeaseOptions } from './outbox-lease.ts';

/** The outbox of one service database. */
export interface DatabaseOutbox {
  /** The ORM of the database the outbox is in (its statements run in the same transactions). */
  readonly orm: Orm;
  /** What the outbox relay reads: pending records oldest first, marked sent once confirmed. */
  readonly store: OutboxStore;
  /**
   * A Publisher writing into the transaction of `em` (inside `em.transactional`): `publish`
   * resolves once the rows are written, and they are stored when that transaction commits and
   * never otherwise. Publishing outside a transaction is refused.
   */
  publisher(em: EntityManager): Publisher;
  /**
   * Runs `work` in a new transaction with a publisher that writes into it (`publisher(em)`);
   * resolves with its result once committed. After a commit that wrote messages, the `onCommit`
   * listeners run (the relay's `kick`, for low latency).
   */
  transactional<T>(work: (em: SqlEntityManager, events: Publisher) => Promise<T>): Promise<T>;
  /**
   * `transactional` on prepared statements (db/statements.ts) instead of an entity manager, for
   * hot paths: `work` runs its own statements on `tx`, and `events` inserts into the same
   * transaction with one prepared statement per message.
   */
  transactionalStatements<T>(work: (tx: StatementRunner, events: Publisher) => Promise<T>): Promise<T>;
  /** Listens to commits that wrote messages; returns the function that stops listening. */
  onCommit(listener: () => void): () => void;
  /** Records not yet sent (for /readyz and logs). */
  countPending(): Promise<number>;
  /** How many records wait and since when (the oldest one's creation time); for the metrics. */
  pendingSummary(): Promise<{ readonly pending: number; readonly oldestCreatedAt: Date | undefined }>;
  /** The relay lease (see outbox-lease.ts); undefined with `lease: false`. */
  readonly lease: OutboxLeaseHandle | undefined;
}

export interface DatabaseOutboxOptions {
  /** The service's ORM; its entities include `outboxEntities` (the messages and the relay lease). */
  readonly orm: Orm;
  /**
   * The relay lease: `store.fetchPending` returns records only to the relay holding it, so that with
   * several replicas on one database one relay publishes, in order (see outbox-lease.ts). `false`:
   * no lease (one process per database only). Default: a lease named `outbox-relay`, 15 s TTL.
   */
  readonly lease?: false | Omit<OutboxLeaseOptions, 'orm'>;
}

/** One outbox row as the database driver returns it (see `fromRow`). */
interface OutboxRow {
  readonly id: number | string;
  readonly topic: string;
  readonly message_id: string;
  readonly payload: Uint8Array;
  readonly metadata: string | Record<string, string>;
}

/** The relay's statements, written once per dialect (SQL Server has `top`, not `limit`); values always bound. */
interface RelayStatements {
  /** Pending records oldest first, bound as (limit). */
  readonly fetchPending: PreparedStatement;
  /** Marks `count` records sent, bound as (sent at, ...their ids). */
  markSent(count: number): PreparedStatement;
}

function relayStatements(orm: Orm): RelayStatements {
  const statements = statementsOf(orm);
  const q = statements.quote;
  const table = q('outbox_messages');
  const columns = ['id', 'topic', 'message_id', 'payload', 'metadata'].map(q).join(', ');
  const [id, sentAt] = [q('id'), q('sent_at')];
  // SQL Server, the one supported platform with OUTPUT clauses, is also the one without LIMIT.
  const usesLimit = !orm.em.getPlatform().usesOutputStatement();
  const fetchPending = statements.prepare(
    usesLimit
      ? `select ${columns} from ${table} where ${sentAt} is null order by ${id} asc limit ?`
      : `select top (?) ${columns} from ${table} where ${sentAt} is null order by ${id} asc`,
  );
  // One text per number of ids (at most the relay's batch size), each prepared once.
  const marks = new Map<number, PreparedStatement>();
  const markSent = (count: number): PreparedStatement => {
    let statement = marks.get(count);
    if (statement === undefined) {
      statement = statements.prepare(`update ${table} set ${sentAt} = ? where ${id} in (${Array.from({ length: count }, () => '?').join(', ')})`);
      marks.set(count, statement);
    }
    return statement;
  };
  return { fetchPending, markSent };
}

/** The insert of one message, as `publisher` writes it through the entity. */
function insertStatement(orm: Orm): PreparedStatement {
  const statements = statementsOf(orm);
  const columns = ['topic', 'message_id', 'payload', 'metadata', 'created_at'].map((column) => statements.quote(column)).join(', ');
  return statements.prepare(`insert into ${statements.quote('outbox_messages')} (${columns}) values (?, ?, ?, ?, ?)`);
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
 * Creates the outbox of `orm`'s database. Messages are inserted natively into the caller's
 * transaction (no unit of work, no entity kept); the relay's reads and updates are prepared
 * statements (no entity hydration: the relay runs them for every batch). Its reads see committed
 * rows only and, on a SQLite file, run on a read connection of their own, so a relay woken by a
 * commit reads at once instead of queueing behind the next request's transaction; its lease is
 * renewed a few times per TTL, not at every round (outbox-lease.ts `hold`).
 */
export function createDatabaseOutbox(options: DatabaseOutboxOptions): DatabaseOutbox {
  const { orm } = options;
  if (typeof orm?.em?.fork !== 'function') throw new AppError(errorCodes.invalidConfig, 'cannot create database outbox: orm must be a MikroORM instance');
  const relay = relayStatements(orm);
  const listeners = new Set<() => void>();
  const lease = options.lease === false ? undefined : createOutboxLease({ orm, ...options.lease });

  const publisher = (em: EntityManager, written?: () => void): Publisher => ({
    async publish(topic, messages) {
      if (!em.isInTransaction()) throw new AppError(errorCodes.internal, `cannot publish to the outbox (${topic}): not inside a transaction`);
      if (messages.length === 0) return;
      await em.insertMany(
        OutboxMessage,
        messages.map((message) => ({
          topic,
          messageId: message.id,
          payload: Buffer.from(message.payload),
          metadata: { ...message.metadata },
          createdAt: new Date(),
        })),
      );
      written?.();
    },
    // The transaction's owner decides when the rows are final; there is nothing to release.
    async close() {},
  });

  let insert: PreparedStatement | undefined;
  const statementPublisher = (tx: StatementRunner, written: () => void): Publisher => ({
    async publish(topic, messages) {
      insert ??= insertStatement(orm);
      for (const message of messages) {
        await tx.run(insert, [topic, message.id, Buffer.from(message.payload), JSON.stringify(message.metadata), new Date()]);
      }
      if (messages.length > 0) written();
    },
    async close() {},
  });

  return {
    orm,
    store: {
      async fetchPending(limit) {
        if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`cannot fetch pending outbox records: limit must be an integer >= 1, got ${limit}`);
        // Another replica's relay holds the lease: nothing for this one (it polls again, and takes over when that lease expires).
        if (lease !== undefined && !(await lease.hold())) return [];
        // Committed rows only, read beside the transaction in progress rather than after it (statements.ts).
        const rows = await statementsOf(orm).committedRows<OutboxRow>(relay.fetchPending, [limit]);
        return rows.map(fromRow);
      },
      async markSent(ids) {
        if (ids.length === 0) return;
        await statementsOf(orm).run(relay.markSent(ids.length), [new Date(), ...ids.map(Number)]);
      },
    },
    publisher: (em) => publisher(em),
    async transactional(work) {
      let wrote = false;
      const result = await orm.em.fork().transactional((em) => work(em, publisher(em, () => (wrote = true))));
      if (wrote) for (const listener of listeners) listener();
      return result;
    },
    async transactionalStatements(work) {
      let wrote = false;
      const result = await statementsOf(orm).transaction((tx) => work(tx, statementPublisher(tx, () => (wrote = true))));
      if (wrote) for (const listener of listeners) listener();
      return result;
    },
    onCommit(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    countPending() {
      return orm.em.fork().count(OutboxMessage, { sentAt: null });
    },
    async pendingSummary() {
      const em = orm.em.fork();
      const pending = await em.count(OutboxMessage, { sentAt: null });
      const oldest = pending === 0 ? null : await em.findOne(OutboxMessage, { sentAt: null }, { orderBy: { id: 'asc' }, fields: ['createdAt'] });
      return { pending, oldestCreatedAt: oldest?.createdAt ?? undefined };
    },
    lease,
  };
}
