/**
 * The migration of an existing installation: classic queues of the previous contract holding
 * messages (and dead letters), then the subscriber of the new contract, with quorum queues under
 * new names that replace them. Nothing may be lost, and the old queues end deleted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../messaging/index.ts';
import { startQueueMigration } from './queue-migration.ts';
import { createAmqpConnection } from './connection.ts';
import { createAmqpSubscriber, type AmqpSubscriber } from './subscriber.ts';
import { brokerUrl, deleteBrokerObjects, eventually, queueExists, uniqueName, withAdminChannel } from './testing.ts';
import { declareTopology, subscriptionTopology } from './topology.ts';

const quorum = { 'x-queue-type': 'quorum', 'x-delivery-limit': 20, 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' } as const;
const topics = ['platform.published', 'platform.updated'];

function names() {
  const exchange = uniqueName('migration');
  return {
    exchange,
    deadLetterExchange: `${exchange}.dlx`,
    oldQueue: `${exchange}.events`,
    oldDeadLetterQueue: `${exchange}.events.dlq`,
    queue: `${exchange}.events.v2`,
    deadLetterQueue: `${exchange}.events.v2.dlq`,
  };
}
type Names = ReturnType<typeof names>;

/** The installation of the previous contract: classic queues, `waiting` messages in the queue and `dead` ones in its DLQ. */
async function oldInstallation(n: Names, waiting: number, dead: number): Promise<void> {
  await withAdminChannel(async (channel) => {
    await declareTopology(channel, subscriptionTopology({ exchange: n.exchange, queue: n.oldQueue, routingKeys: topics, deadLetter: { exchange: n.deadLetterExchange, queue: n.oldDeadLetterQueue } }));
    for (let index = 0; index < waiting; index++) {
      channel.publish(n.exchange, topics[index % 2]!, Buffer.from(`waiting ${index}`), { messageId: `waiting-${index}`, persistent: true, type: topics[index % 2]!, headers: { traceparent: `trace-${index}` } });
    }
    for (let index = 0; index < dead; index++) {
      // As the dead-letter middleware of the previous version sent them: to the DLX, by the old queue's name.
      channel.publish(n.deadLetterExchange, n.oldQueue, Buffer.from(`dead ${index}`), { messageId: `dead-${index}`, persistent: true, headers: { 'x-dead-letter-reason': 'poison' } });
    }
    await eventually(async () => (await channel.checkQueue(n.oldQueue)).messageCount === waiting && (await channel.checkQueue(n.oldDeadLetterQueue)).messageCount === dead);
  });
}

function newSubscriber(n: Names): AmqpSubscriber {
  return createAmqpSubscriber({
    url: brokerUrl,
    exchange: n.exchange,
    queue: n.queue,
    deadLetter: { exchange: n.deadLetterExchange, queue: n.deadLetterQueue, arguments: { 'x-queue-type': 'quorum' }, replaces: [n.oldDeadLetterQueue] },
    queueArguments: quorum,
    replaces: [n.oldQueue],
    migrationRetryInterval: 50,
  });
}

async function drain(queue: string): Promise<Message['id'][]> {
  return withAdminChannel(async (channel) => {
    const ids: string[] = [];
    for (let message = await channel.get(queue, { noAck: true }); message !== false; message = await channel.get(queue, { noAck: true })) ids.push(message.properties.messageId as string);
    return ids;
  });
}

describe('migrating classic queues to quorum queues of new names', () => {
  const cleanUp: Names[] = [];
  afterEach(async () => {
    for (const n of cleanUp.splice(0)) {
      await deleteBrokerObjects({ queues: [n.oldQueue, n.oldDeadLetterQueue, n.queue, n.deadLetterQueue], exchanges: [n.exchange, n.deadLetterExchange] });
    }
  });

  it('moves-every-waiting-message-and-dead-letter-into-the-new-queues-then-deletes-the-old-ones', async () => {
    const n = names();
    cleanUp.push(n);
    await oldInstallation(n, 200, 3);
    const subscriber = newSubscriber(n);
    const seen = new Map<string, Message>();
    try {
      await subscriber.subscribe(topics, async (message) => void seen.set(message.id, message));
      await subscriber.migrated;
      expect(await queueExists(n.oldQueue)).toBe(false);
      expect(await queueExists(n.oldDeadLetterQueue)).toBe(false);
      // After the migration, a new message reaches the new queue.
      await withAdminChannel(async (channel) => void channel.publish(n.exchange, 'platform.updated', Buffer.from('new'), { messageId: 'after', persistent: true }));
      await eventually(() => seen.size === 201);
    } finally {
      await subscriber.close();
    }
    expect([...seen.keys()].toSorted()).toEqual(['after', ...Array.from({ length: 200 }, (_, index) => `waiting-${index}`)].toSorted());
    // Properties and headers travel with the moved message.
    expect(seen.get('waiting-7')).toMatchObject({ metadata: { type: 'platform.updated', traceparent: 'trace-7' } });
    expect((await drain(n.deadLetterQueue)).toSorted()).toEqual(['dead-0', 'dead-1', 'dead-2']);
  });

  it('two-replicas-migrating-at-once-lose-nothing-and-one-deletes-the-old-queue', async () => {
    const n = names();
    cleanUp.push(n);
    await oldInstallation(n, 500, 0);
    const replicas = [newSubscriber(n), newSubscriber(n)];
    const seen: string[] = [];
    try {
      await Promise.all(replicas.map((replica) => replica.subscribe(topics, async (message) => void seen.push(message.id))));
      await Promise.all(replicas.map((replica) => replica.migrated));
      await eventually(() => new Set(seen).size === 500);
      expect(await queueExists(n.oldQueue)).toBe(false);
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
    }
  });

  it('leaves-the-old-queue-while-a-consumer-of-the-previous-version-reads-it-and-finishes-once-it-left', async () => {
    const n = names();
    cleanUp.push(n);
    await oldInstallation(n, 5, 0);
    const connection = createAmqpConnection({ url: brokerUrl, name: uniqueName('migration-old-consumer') });
    const subscriber = newSubscriber(n);
    const seen = new Set<string>();
    try {
      await connection.ready();
      const old = await connection.createChannel();
      // The old replica holds its messages unacknowledged (in hand) and keeps consuming.
      const held: string[] = [];
      await old.consume(n.oldQueue, (delivery) => void (delivery && held.push(delivery.properties.messageId as string)));
      await eventually(() => held.length === 5);
      await subscriber.subscribe(topics, async (message) => void seen.add(message.id));
      let migrated = false;
      void subscriber.migrated.then(() => (migrated = true));
      // The old consumer is bound to nothing any more: new messages reach only the new queue.
      await withAdminChannel(async (channel) => void channel.publish(n.exchange, 'platform.published', Buffer.from('new'), { messageId: 'new', persistent: true }));
      await eventually(() => seen.has('new'));
      expect(migrated).toBe(false);
      expect(await queueExists(n.oldQueue)).toBe(true);
      // The old replica stops without acknowledging: its messages return to the old queue, and are moved.
      await old.close();
      await subscriber.migrated;
      await eventually(() => seen.size === 6);
      expect(await queueExists(n.oldQueue)).toBe(false);
    } finally {
      await subscriber.close();
      await connection.close();
    }
  });

  it('ends-at-once-when-there-is-no-old-queue', async () => {
    const n = names();
    cleanUp.push(n);
    const connection = createAmqpConnection({ url: brokerUrl, name: uniqueName('migration-none') });
    try {
      const migration = startQueueMigration({ connection, from: n.oldQueue, to: n.queue, unbind: [] });
      expect(await migration.done).toEqual({ moved: 0 });
    } finally {
      await connection.close();
    }
  });
});
