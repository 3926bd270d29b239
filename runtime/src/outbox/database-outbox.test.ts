import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOrm, ensureSchema, type Orm } from '../db/index.ts';
import { createTemporaryPostgresDatabase } from '../db/testing.ts';
import { createInProcessBus, createOutboxRelay, type Message } from '../messaging/index.ts';
import { createDatabaseOutbox, type DatabaseOutbox } from './database-outbox.ts';
import { OutboxMessage, OutboxMessageSchema } from './outbox-entity.ts';
import { OutboxLeaseSchema } from './outbox-lease-entity.ts';

function message(index: number): Message {
  return {
    id: randomUUID(),
    payload: new Uint8Array([0, 1, 2, 255, index]),
    metadata: { type: 'test.event', index: String(index), text: `ünïcödé ${index}` },
  };
}

const targets = [
  { name: 'sqlite in memory', open: async () => ({ orm: await createOrm({ driver: 'sqlite', dbName: ':memory:', entities: [OutboxMessageSchema, OutboxLeaseSchema] }), drop: async () => {} }) },
  {
    name: 'a sqlite file',
    open: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'runtime-outbox-'));
      return { orm: await createOrm({ driver: 'sqlite', dbName: join(dir, 'outbox.sqlite'), entities: [OutboxMessageSchema, OutboxLeaseSchema] }), drop: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgresql',
    open: async () => {
      const database = await createTemporaryPostgresDatabase({ prefix: 'runtime_outbox' });
      return { orm: await createOrm({ driver: 'postgresql', url: database.url, entities: [OutboxMessageSchema, OutboxLeaseSchema] }), drop: database.drop };
    },
  },
] as const;

describe.each(targets)('database outbox on $name', (target) => {
  let orm: Orm;
  let drop: () => Promise<void>;
  let outbox: DatabaseOutbox;

  beforeAll(async () => {
    ({ orm, drop } = await target.open());
    await ensureSchema(orm);
    outbox = createDatabaseOutbox({ orm });
  });
  afterAll(async () => {
    await orm?.close(true);
    await drop?.();
  });
  beforeEach(() => orm.schema.clear());

  const write = (topic: string, messages: readonly Message[]): Promise<void> => outbox.transactional((_em, events) => events.publish(topic, messages));

  it('returns-pending-records-oldest-first-with-their-bytes-and-metadata', async () => {
    const written = [message(1), message(2), message(3)];
    await write('topic.a', written.slice(0, 2));
    await write('topic.b', written.slice(2));
    const pending = await outbox.store.fetchPending(10);
    expect(pending.map((record) => record.topic)).toEqual(['topic.a', 'topic.a', 'topic.b']);
    expect(pending.map((record) => record.message)).toEqual(written);
    const ids = pending.map((record) => Number(record.id));
    expect(ids).toEqual(ids.toSorted((a, b) => a - b));
  });

  it('limits-a-fetch-and-never-returns-records-marked-sent', async () => {
    await write('topic', [message(1), message(2), message(3)]);
    const first = await outbox.store.fetchPending(2);
    expect(first.map((record) => record.message.metadata.index)).toEqual(['1', '2']);
    await outbox.store.markSent(first.map((record) => record.id));
    expect((await outbox.store.fetchPending(10)).map((record) => record.message.metadata.index)).toEqual(['3']);
    expect(await outbox.countPending()).toBe(1);
  });

  // In memory, SQLite has one connection, held by the transaction: the relay's read waits for it to end.
  it.skipIf(target.name === 'sqlite in memory')('gives-the-relay-committed-records-only-without-waiting-for-a-transaction-in-progress', async () => {
    await write('topic', [message(1)]);
    // The first fetch takes the relay lease (a write, which would wait for the transaction below).
    expect((await outbox.store.fetchPending(10)).map((record) => record.message.metadata.index)).toEqual(['1']);
    const seenDuring = await outbox.transactionalStatements(async (_tx, events) => {
      await events.publish('topic', [message(2)]);
      // Resolves while this transaction still holds the connection: the read runs beside it.
      return (await outbox.store.fetchPending(10)).map((record) => record.message.metadata.index);
    });
    expect(seenDuring).toEqual(['1']);
    expect((await outbox.store.fetchPending(10)).map((record) => record.message.metadata.index)).toEqual(['1', '2']);
  });

  it('marks-sent-exactly-the-records-it-is-given-whatever-their-number', async () => {
    await write('topic', Array.from({ length: 5 }, (_, index) => message(index)));
    const [a, b, c, d, e] = await outbox.store.fetchPending(10);
    await outbox.store.markSent([b!.id]);
    await outbox.store.markSent([a!.id, d!.id]);
    expect((await outbox.store.fetchPending(10)).map((record) => record.id)).toEqual([c!.id, e!.id]);
    await outbox.store.markSent([c!.id, e!.id]);
    expect(await outbox.countPending()).toBe(0);
  });

  it('stamps-records-sent-with-a-time-the-orm-reads-back', async () => {
    await write('topic', [message(1), message(2)]);
    const before = Date.now();
    await outbox.store.markSent((await outbox.store.fetchPending(10)).map((record) => record.id));
    const after = Date.now();
    const rows = await orm.em.fork().find(OutboxMessage, {}, { orderBy: { id: 'asc' } });
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.sentAt).toBeInstanceOf(Date);
      // Driver round trip: the stored instant is the one written (to the second, whatever the column precision).
      expect(row.sentAt!.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
      expect(row.sentAt!.getTime()).toBeLessThanOrEqual(after + 1000);
    }
  });

  it('stores-nothing-when-the-transaction-rolls-back', async () => {
    let kicks = 0;
    const stop = outbox.onCommit(() => kicks++);
    const attempt = outbox.transactional(async (_em, events) => {
      await events.publish('topic', [message(1)]);
      throw new Error('rolled back');
    });
    await expect(attempt).rejects.toThrow('rolled back');
    expect(await outbox.countPending()).toBe(0);
    expect(kicks).toBe(0);
    stop();
  });

  it('tells-its-listeners-after-a-commit-that-wrote-messages-only', async () => {
    let kicks = 0;
    const stop = outbox.onCommit(() => kicks++);
    await outbox.transactional(async () => undefined);
    expect(kicks).toBe(0);
    await write('topic', [message(1)]);
    expect(kicks).toBe(1);
    stop();
    await write('topic', [message(2)]);
    expect(kicks).toBe(1);
  });

  it('refuses-to-publish-outside-a-transaction', async () => {
    await expect(outbox.publisher(orm.em.fork()).publish('topic', [message(1)])).rejects.toThrow(/not inside a transaction/);
    expect(await outbox.countPending()).toBe(0);
  });

  it('publishes-into-a-transaction-the-caller-owns', async () => {
    await orm.em.fork().transactional(async (em) => outbox.publisher(em).publish('topic', [message(1)]));
    expect(await outbox.countPending()).toBe(1);
  });

  it('feeds-the-runtime-relay-which-publishes-in-order-and-marks-sent', async () => {
    const written = Array.from({ length: 7 }, (_, index) => message(index));
    for (const one of written) await write('relayed', [one]);
    const bus = createInProcessBus();
    const received: Message[] = [];
    const done = Promise.withResolvers<void>();
    await bus.createSubscriber({ queue: 'relayed' }).subscribe('relayed', async (delivered) => {
      received.push(delivered);
      if (received.length === written.length) done.resolve();
    });
    const relay = createOutboxRelay({ store: outbox.store, publisher: bus.publisher, batchSize: 3, pollInterval: 10 });
    relay.start();
    await done.promise;
    await relay.stop();
    await bus.close();
    expect(received.map((delivered) => delivered.id)).toEqual(written.map((one) => one.id));
    expect(await outbox.countPending()).toBe(0);
  });
});
