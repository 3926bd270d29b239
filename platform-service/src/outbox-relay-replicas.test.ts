/**
 * Two platform-service replicas on one PostgreSQL database, each with its outbox relay (issue 17):
 * 5,000 events written through both, while both relays run; one relay holds the outbox lease and
 * publishes, and when it stops midway the other takes over. A consumer must see each event once
 * and every platform's versions in order.
 */
import { randomUUID } from 'node:crypto';
import { connect, type ChannelModel } from 'amqplib';
import type { Orm } from '@platform/runtime/db';
import { createTemporaryPostgresDatabase, type TemporaryDatabase } from '@platform/runtime/db/testing';
import { createEventTransport, createOutboxForwarder, type EventTransport, type OutboxForwarder } from '@platform/runtime/events';
import { createLogger } from '@platform/runtime/logging';
import { createDatabaseOutbox, type DatabaseOutbox } from '@platform/runtime/outbox';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './database.ts';
import { createPlatformWriter, type PlatformWriter } from './platforms/write-platforms.ts';
import { brokerUrl, eventually } from './testing/broker.ts';

const logger = createLogger({ name: 'outbox-relay-replicas-test', level: 'silent' });
const platforms = 500;
const versions = 10; // the create, then 9 updates: 5,000 events

interface Replica {
  readonly orm: Orm;
  readonly outbox: DatabaseOutbox;
  readonly writer: PlatformWriter;
  readonly transport: EventTransport;
  readonly forwarder: OutboxForwarder;
  stopped: boolean;
}

describe('outbox relays of two platform-service replicas on one PostgreSQL database', { timeout: 120_000 }, () => {
  const prefix = `test-ps-relays-${randomUUID().slice(0, 8)}`;
  const exchange = `${prefix}.platform.events`;
  const queue = `${prefix}.consumer`;
  let database: TemporaryDatabase | undefined;
  let consumer: ChannelModel | undefined;
  const replicas: Replica[] = [];

  afterAll(async () => {
    for (const replica of replicas) {
      if (!replica.stopped) await replica.forwarder.stop();
      await replica.transport.close();
      await replica.orm.close(true);
    }
    if (consumer) {
      const channel = await consumer.createChannel();
      await channel.deleteQueue(queue);
      await channel.deleteExchange(exchange);
      await consumer.close();
    }
    await database?.drop();
  });

  it('publish-5000-events-each-seen-once-with-every-platforms-versions-in-order', async () => {
    database = await createTemporaryPostgresDatabase({ prefix: 'relay_replicas' });
    const config = { driver: 'postgresql' as const, url: database.url };

    // The consumer first: its queue must exist before the first event is published.
    consumer = await connect(brokerUrl, { clientProperties: { connection_name: `${prefix}-consumer` } });
    const channel = await consumer.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: true });
    await channel.assertQueue(queue, { durable: true });
    await channel.bindQueue(queue, exchange, 'platform.*');
    const received: { messageId: string; id: number; version: number }[] = [];
    await channel.consume(
      queue,
      (delivery) => {
        if (delivery === null) return;
        const payload = JSON.parse(delivery.content.toString()) as { id: number; version?: number };
        received.push({ messageId: delivery.properties.messageId as string, id: payload.id, version: payload.version ?? 1 });
      },
      { noAck: true },
    );

    for (const name of ['a', 'b']) {
      const orm = await openDatabase(config, logger);
      const outbox = createDatabaseOutbox({ orm, lease: { holder: `replica-${name}`, ttl: 5_000 } });
      const transport = createEventTransport({ amqpUrl: brokerUrl, connectionName: `${prefix}-${name}`, logger });
      const forwarder = createOutboxForwarder({ transport, outbox, exchange, pollInterval: 20, logger });
      forwarder.start();
      replicas.push({ orm, outbox, writer: createPlatformWriter({ outbox }), transport, forwarder, stopped: false });
    }
    const [a, b] = replicas as [Replica, Replica];

    // Each platform's writes alternate between the replicas (create on one, first update on the other, ...); 25 platforms at once.
    const writePlatform = async (index: number): Promise<void> => {
      const fields = { name: `Platform ${index}`, publisher: 'Relay test', cost: 'Free' };
      const created = await (index % 2 === 0 ? a : b).writer.create(fields);
      for (let version = 2; version <= versions; version++) {
        const writer = (index + version) % 2 === 0 ? a : b;
        const outcome = await writer.writer.update(created.id, { ...fields, cost: `v${version}` }, { kind: 'absent' });
        expect(outcome.kind).toBe('written');
      }
    };
    let next = 0;
    let handedOver = false;
    const worker = async (): Promise<void> => {
      while (next < platforms) {
        await writePlatform(next++);
        // Midway, the relay holding the lease stops (a replica scaled down): the other must take over.
        if (!handedOver && next >= platforms / 2 && received.length > 0) {
          handedOver = true;
          const holder = replicas.find((replica) => replica.outbox.lease?.held) ?? a;
          holder.stopped = true;
          await holder.forwarder.stop();
        }
      }
    };
    await Promise.all(Array.from({ length: 25 }, worker));

    const total = platforms * versions;
    await eventually(() => received.length >= total);
    expect(handedOver).toBe(true);
    // Let a stray duplicate show up before counting: stop the relays that still run, then a round trip to the broker.
    for (const replica of replicas.filter((r) => !r.stopped)) {
      replica.stopped = true;
      await replica.forwarder.stop();
    }
    await channel.checkQueue(queue);
    expect(await a.outbox.countPending()).toBe(0);

    expect(received).toHaveLength(total);
    expect(new Set(received.map((event) => event.messageId)).size).toBe(total);
    const byPlatform = new Map<number, number[]>();
    for (const event of received) byPlatform.set(event.id, [...(byPlatform.get(event.id) ?? []), event.version]);
    expect(byPlatform.size).toBe(platforms);
    const inOrder = Array.from({ length: versions }, (_, index) => index + 1);
    for (const [id, seen] of byPlatform) expect({ id, seen }).toEqual({ id, seen: inOrder });
    // As a consumer applies them (only a newer version changes anything), each event's effect is seen once.
    const applied = new Map<number, number>();
    let effects = 0;
    for (const event of received) {
      if (event.version > (applied.get(event.id) ?? 0)) {
        applied.set(event.id, event.version);
        effects++;
      }
    }
    expect(effects).toBe(total);
  });
});
