import { randomUUID } from 'node:crypto';
import type { Orm } from '@platform/runtime/db';
import { createLogger } from '@platform/runtime/logging';
import { createInProcessBus, createOutboxRelay } from '@platform/runtime/messaging';
import type { Message } from '@platform/runtime/messaging';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../database.ts';
import { databaseTargets } from '../testing/databases.ts';
import { OutboxMessage } from './outbox-entity.ts';
import { createDatabaseOutboxStore } from './outbox-store.ts';
import type { DatabaseOutboxStore } from './outbox-store.ts';

const logger = createLogger({ name: 'outbox-store-test', level: 'silent' });

function message(index: number): Message {
  return {
    id: randomUUID(),
    payload: new Uint8Array([0, 1, 2, 255, index]),
    metadata: { type: 'test.event', index: String(index) },
  };
}

describe.each(databaseTargets)('database outbox store on $name', (target) => {
  let orm: Orm;
  let release: () => Promise<void>;
  let store: DatabaseOutboxStore;

  beforeAll(async () => {
    const database = await target.open();
    release = database.release;
    orm = await openDatabase(database.config, logger);
    store = createDatabaseOutboxStore({ orm });
  });
  afterAll(async () => {
    await orm?.close(true);
    await release?.();
  });
  beforeEach(() => orm.schema.clear());

  async function write(topic: string, messages: readonly Message[]): Promise<void> {
    await orm.em.fork().transactional(async (em) => store.add(em, topic, messages));
  }

  it('returns-pending-records-oldest-first-with-their-bytes-and-metadata', async () => {
    const written = [message(1), message(2), message(3)];
    await write('topic.a', written.slice(0, 2));
    await write('topic.b', written.slice(2));
    const pending = await store.fetchPending(10);
    expect(pending.map((record) => record.topic)).toEqual(['topic.a', 'topic.a', 'topic.b']);
    expect(pending.map((record) => record.message)).toEqual(written);
    const ids = pending.map((record) => Number(record.id));
    expect(ids).toEqual(ids.toSorted((a, b) => a - b));
  });

  it('limits-a-fetch-and-never-returns-records-marked-sent', async () => {
    await write('topic', [message(1), message(2), message(3)]);
    const first = await store.fetchPending(2);
    expect(first.map((record) => record.message.metadata.index)).toEqual(['1', '2']);
    await store.markSent(first.map((record) => record.id));
    expect((await store.fetchPending(10)).map((record) => record.message.metadata.index)).toEqual(['3']);
    expect(await store.countPending()).toBe(1);
  });

  it('stamps-records-sent-with-a-time-the-orm-reads-back', async () => {
    await write('topic', [message(1), message(2)]);
    const before = Date.now();
    await store.markSent((await store.fetchPending(10)).map((record) => record.id));
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
    const attempt = orm.em.fork().transactional(async (em) => {
      store.add(em, 'topic', [message(1)]);
      await em.flush();
      throw new Error('rolled back');
    });
    await expect(attempt).rejects.toThrow('rolled back');
    expect(await store.countPending()).toBe(0);
  });

  it('feeds-the-runtime-relay-which-publishes-in-order-and-marks-sent', async () => {
    const written = Array.from({ length: 7 }, (_, index) => message(index));
    for (const one of written) await write('relayed', [one]);
    const bus = createInProcessBus();
    const received: Message[] = [];
    const done = Promise.withResolvers<void>();
    await bus.subscriber.subscribe('relayed', async (delivered) => {
      received.push(delivered);
      if (received.length === written.length) done.resolve();
    });
    const relay = createOutboxRelay({ store, publisher: bus.publisher, batchSize: 3, pollInterval: 10 });
    relay.start();
    await done.promise;
    await relay.stop();
    await bus.close();
    expect(received.map((delivered) => delivered.id)).toEqual(written.map((one) => one.id));
    expect(await store.countPending()).toBe(0);
  });
});
