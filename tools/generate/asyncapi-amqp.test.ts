/**
 * The generated AMQP module (gen/asyncapi/platform-events/amqp.ts, the event package's `./amqp`),
 * freshly generated into a temporary folder: its mapping agrees with the platform's AMQP transport
 * (runtime/src/amqp/message-mapping.ts) property by property; on the local RabbitMQ, a queue of a
 * consumer's own gets and decodes what the platform's publisher sends, the platform's subscriber
 * handles what the module publishes, and the topology it declares is the transport's.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { connect, type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage, type GetMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAmqpPublisher, createAmqpSubscriber, declareTopology, fromDelivery, subscriptionTopology, toPublishOptions } from '@platform/runtime/amqp';
import { brokerUrl, deleteBrokerObjects, eventually } from '@platform/runtime/amqp/testing';
import type { Message } from '@platform/runtime/messaging';
import type * as GeneratedAmqp from '@platform/gen/asyncapi/platform-events/amqp.ts';
import type * as GeneratedContract from '@platform/gen/asyncapi/platform-events/contract.ts';
import type * as GeneratedEvents from '@platform/gen/asyncapi/platform-events/index.ts';
import type { PlatformEventsHandlers, PlatformPublished } from '@platform/gen/asyncapi/platform-events/index.ts';
import { generateAsyncapi } from './asyncapi.ts';
import { writeGenPackage } from './gen-package.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dotNet: PlatformPublished = { id: 1, name: 'Dot Net', publisher: 'Microsoft', cost: 'Free' };
const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
// Whole seconds: the wire carries the timestamp in seconds, so such a message survives a round trip unchanged.
const timestamp = new Date('2026-01-01T00:00:00.000Z');

let dir: string;
let amqp: typeof GeneratedAmqp;
let contract: typeof GeneratedContract;
let events: typeof GeneratedEvents;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'asyncapi-amqp-'));
  await writeGenPackage(root, join(dir, 'gen'));
  await generateAsyncapi({ root, contractsDir: join(root, 'contracts'), genDir: join(dir, 'gen') }, { html: false });
  await symlink(join(root, 'node_modules'), join(dir, 'node_modules'), 'junction');
  const module = (file: string) => pathToFileURL(join(dir, 'gen/asyncapi/platform-events', file)).href;
  amqp = (await import(module('amqp.ts'))) as typeof GeneratedAmqp;
  contract = (await import(module('contract.ts'))) as typeof GeneratedContract;
  events = (await import(module('index.ts'))) as typeof GeneratedEvents;
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** What `fn` throws (fails the test when it does not throw). */
function thrown(fn: () => unknown): { code?: unknown; message?: unknown } {
  try {
    fn();
  } catch (error) {
    return error as { code?: unknown; message?: unknown };
  }
  throw new Error('expected an error, none was thrown');
}

/** A delivery as amqplib hands it over, with these properties (headers of any type, as other producers send them). */
function delivery(properties: Readonly<Record<string, unknown>>, content = Buffer.from(JSON.stringify(dotNet)), redelivered = false): ConsumeMessage {
  const none = { contentType: undefined, contentEncoding: undefined, headers: undefined, deliveryMode: undefined, priority: undefined, correlationId: undefined, replyTo: undefined, expiration: undefined, messageId: undefined, timestamp: undefined, type: undefined, userId: undefined, appId: undefined, clusterId: undefined };
  const fields = { deliveryTag: 1, redelivered, exchange: 'x', routingKey: 'platform.published', consumerTag: 'c' };
  return { content, fields, properties: { ...none, ...properties } } as ConsumeMessage;
}

describe('mapping, as the platform transport maps it', () => {
  it('gives-a-message-the-publish-options-the-transport-gives-it', () => {
    const messages: Message[] = [
      contract.createPlatformPublishedMessage(dotNet),
      contract.createPlatformUpdatedMessage({ ...dotNet, version: 2 }, { id: 'event-2', correlationId: 'request-7', traceparent, timestamp: new Date(1_767_225_600_999) }),
      { ...contract.createPlatformDeletedMessage({ id: 1, version: 3 }), metadata: { ...contract.createPlatformDeletedMessage({ id: 1, version: 3 }).metadata, 'x-dead-letter-reason': 'why', 'x-future': 'value', redelivered: 'true' } },
    ];
    for (const message of messages) expect(amqp.toPublishOptions(message)).toEqual(toPublishOptions(message));
    expect(amqp.toPublishOptions(messages[2]!).headers).not.toHaveProperty('redelivered');
    expect(amqp.toPublishOptions(messages[1]!)).toMatchObject({ persistent: true, messageId: 'event-2', correlationId: 'request-7', timestamp: 1_767_225_600, headers: { traceparent } });
    const late = { ...messages[0]!, metadata: { ...messages[0]!.metadata, timestamp: 'yesterday' } };
    const ours = thrown(() => amqp.toPublishOptions(late));
    const theirs = thrown(() => toPublishOptions(late));
    expect({ code: ours.code, message: ours.message }).toEqual({ code: theirs.code, message: theirs.message });
    expect(ours.code).toBe('invalid_argument');
  });

  it('reads-a-delivery-as-the-transport-reads-it-whatever-its-headers', () => {
    const deliveries = [
      delivery({ messageId: 'm-1', contentType: 'application/json', type: 'platform.published', appId: 'platform-service', timestamp: 1_767_225_600, correlationId: 'r-1', headers: { traceparent } }),
      delivery({
        messageId: 'm-2',
        contentType: 'application/json; charset=utf-8',
        type: 'platform.published',
        timestamp: 0,
        headers: { count: 3, flag: true, big: 12n, bytes: Buffer.from('é bytes'), table: { a: [1, 'b'] }, nothing: null, missing: undefined, 'x-death': [{ count: 2 }, { count: 3 }, { reason: 'rejected' }] },
      }),
      delivery({ messageId: 'm-3', headers: { 'x-death': 'not a list' } }, Buffer.alloc(0)),
      delivery({ messageId: 'm-4', contentType: 'application/json', headers: { redelivered: 'true' } }),
      delivery({ messageId: 'm-5', contentType: 'application/json' }, undefined, true),
    ];
    for (const message of deliveries) expect(amqp.toEventMessage(message)).toEqual(fromDelivery(message));
    expect(amqp.toEventMessage(deliveries[1]!).metadata).toMatchObject({ count: '3', flag: 'true', big: '12', bytes: 'é bytes', table: '{"a":[1,"b"]}', 'x-death-count': '5', timestamp: '0' });
    expect(amqp.toEventMessage(deliveries[1]!).metadata).not.toHaveProperty('nothing');
    // The broker's redelivered flag, never a header of that name.
    expect(amqp.toEventMessage(deliveries[3]!).metadata).not.toHaveProperty('redelivered');
    expect(amqp.toEventMessage(deliveries[4]!).metadata).toMatchObject({ redelivered: 'true' });
    // As the transport reads them since the event fuzzer found forged headers: a header never stands in for a
    // property, and x-death counts only whole counts.
    const forged = delivery({ contentType: 'application/json', headers: { contentType: 'text/plain', type: 'platform.deleted', timestamp: '1', 'x-death': [{ count: -1 }, { count: 1.5 }, { count: '2' }, null, { count: 2 }] } });
    expect(amqp.toEventMessage(forged).metadata).toEqual({ contentType: 'application/json', 'x-death-count': '2' });
    // Without a messageId (not published by the platform), each read gets a fresh UUID, as the transport gives.
    const anonymous = delivery({ contentType: 'application/json', messageId: '' });
    const [first, second] = [amqp.toEventMessage(anonymous), amqp.toEventMessage(anonymous)];
    expect(first.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second.id).not.toBe(first.id);
    expect({ ...first, id: '' }).toEqual({ ...fromDelivery(anonymous), id: '' });
  });
});

describe('the module', () => {
  it('imports-only-the-contract-module-and-the-types-of-amqplib', async () => {
    const source = await readFile(join(dir, 'gen/asyncapi/platform-events/amqp.ts'), 'utf8');
    const imports = [...source.matchAll(/^import (type )?.* from '([^']+)';$/gm)].map((match) => `${match[1] ?? ''}${match[2]}`);
    expect(imports.toSorted()).toEqual(['./contract.ts', 'type ./contract.ts', 'type amqplib']);
  });
});

describe('on the local RabbitMQ', () => {
  const prefix = `test-asyncapi-amqp-${randomUUID().slice(0, 8)}.`;
  const named = (name: string) => prefix + name;
  const exchanges = new Set<string>();
  const queues = new Set<string>();
  let connection: ChannelModel;
  let channel: Channel;
  let confirm: ConfirmChannel;

  beforeAll(async () => {
    connection = await connect(brokerUrl);
    channel = await connection.createChannel();
    confirm = await connection.createConfirmChannel();
    // A channel the broker closed (a test's refused publish) would otherwise throw in the process.
    for (const open of [channel, confirm]) open.on('error', () => undefined);
  });

  afterAll(async () => {
    await connection?.close().catch(() => undefined);
    await deleteBrokerObjects({ queues: [...queues], exchanges: [...exchanges] });
  });

  /** A server-named queue of the test's own, bound with the module's binder; deleted with the connection. */
  async function ownQueue(options: { exchange: string; topics?: readonly string[] }): Promise<string> {
    exchanges.add(options.exchange);
    return amqp.bindPlatformEventsQueue(channel, { queue: '', ...options, queueOptions: { exclusive: true, durable: false } });
  }

  /** The next message of `queue`, left unacknowledged. */
  async function next(queue: string): Promise<GetMessage> {
    let message: GetMessage | false = false;
    await eventually(async () => {
      message = await channel.get(queue);
      return message !== false;
    });
    return message as unknown as GetMessage;
  }

  /** The next `count` messages of `queue`, acknowledged. */
  async function take(queue: string, count: number): Promise<GetMessage[]> {
    const taken: GetMessage[] = [];
    while (taken.length < count) {
      const message = await next(queue);
      channel.ack(message);
      taken.push(message);
    }
    return taken;
  }

  it('consumes-what-the-platform-publisher-sends-with-a-queue-of-its-own', async () => {
    const exchange = named('platform.events');
    const queue = await ownQueue({ exchange });
    const publisher = createAmqpPublisher({ url: brokerUrl, exchange });
    await publisher.connection.ready();
    try {
      const sent = [
        await events.publishPlatformPublished(publisher, dotNet, { correlationId: 'request-1', traceparent, timestamp }),
        await events.publishPlatformUpdated(publisher, { ...dotNet, name: '.NET', version: 2 }, { timestamp }),
        await events.publishPlatformDeleted(publisher, { id: 1, version: 3 }, { timestamp }),
      ];
      const received = await take(queue, 3);
      expect(received.map((message) => contract.decodePlatformEventsMessage(amqp.toEventMessage(message)))).toEqual([
        { type: 'platform.published', payload: dotNet },
        { type: 'platform.updated', payload: { ...dotNet, name: '.NET', version: 2 } },
        { type: 'platform.deleted', payload: { id: 1, version: 3 } },
      ]);
      for (const [index, message] of received.entries()) {
        const read = amqp.toEventMessage(message);
        // The transport reads consumed messages; a fetched one differs only in its delivery fields, which neither reads.
        expect(read).toEqual(fromDelivery(message as unknown as ConsumeMessage));
        expect({ id: read.id, metadata: read.metadata }).toEqual({ id: sent[index]!.id, metadata: sent[index]!.metadata });
      }
    } finally {
      await publisher.close();
    }
  });

  it('publishes-what-the-platform-subscriber-handles', async () => {
    const exchange = named('to-subscriber.platform.events');
    const queue = named('to-subscriber.commands-service.platform-events');
    exchanges.add(exchange).add(`${exchange}.dlx`);
    queues.add(queue).add(`${queue}.dlq`);
    const subscriber = createAmqpSubscriber({ url: brokerUrl, exchange, queue, deadLetter: { exchange: `${exchange}.dlx`, queue: `${queue}.dlq` } });
    const calls: { event: unknown; message: Message }[] = [];
    const record = async (event: unknown, message: Message) => void calls.push({ event, message });
    try {
      await events.subscribePlatformEvents(subscriber, {
        receivePlatformPublished: record,
        receivePlatformUpdated: record,
        receivePlatformDeleted: record,
      } satisfies PlatformEventsHandlers);
      const sent = [
        await amqp.publishPlatformPublished(confirm, dotNet, { exchange, correlationId: 'request-2', timestamp }),
        await amqp.publishPlatformUpdated(confirm, { ...dotNet, version: 2 }, { exchange, timestamp }),
        await amqp.publishPlatformDeleted(confirm, { id: 1, version: 3 }, { exchange, timestamp }),
      ];
      await eventually(() => calls.length === 3);
      expect(calls.map((call) => call.event)).toEqual([dotNet, { ...dotNet, version: 2 }, { id: 1, version: 3 }]);
      expect(calls.map((call) => ({ id: call.message.id, metadata: call.message.metadata }))).toEqual(sent.map((message) => ({ id: message.id, metadata: message.metadata })));
    } finally {
      await subscriber.close();
    }
  });

  it('refuses-an-invalid-payload-and-sends-nothing', async () => {
    const exchange = named('strict.platform.events');
    const queue = await ownQueue({ exchange });
    const invalid = { ...dotNet, price: 0 } as PlatformPublished;
    await expect(amqp.publishPlatformPublished(confirm, invalid, { exchange })).rejects.toMatchObject({
      code: 'invalid_argument',
      message: 'cannot create platform.published message: /price is not allowed',
    });
    const valid = await amqp.publishPlatformPublished(confirm, { ...dotNet, id: 2 }, { exchange });
    // The queue holds messages in the order they were sent: the first is the valid one.
    const [first] = await take(queue, 1);
    expect(first!.properties.messageId).toBe(valid.id);
  });

  it('binds-the-chosen-topics-only-and-refuses-none', async () => {
    const exchange = named('topics.platform.events');
    const queue = await ownQueue({ exchange, topics: ['platform.deleted'] });
    await amqp.publishPlatformUpdated(confirm, { ...dotNet, version: 2 }, { exchange });
    const deleted = await amqp.publishPlatformDeleted(confirm, { id: 1, version: 3 }, { exchange });
    const [first] = await take(queue, 1);
    expect(first!.properties.messageId).toBe(deleted.id);
    await expect(amqp.bindPlatformEventsQueue(channel, { queue: named('never'), exchange, topics: [] })).rejects.toMatchObject({
      code: 'invalid_argument',
      message: 'cannot bind a queue to platform.events: topics must not be empty',
    });
  });

  it('rejects-a-publish-the-broker-refuses', async () => {
    const refused = await connection.createConfirmChannel();
    refused.on('error', () => undefined);
    const exchange = named('no-such-exchange');
    await expect(amqp.publishPlatformPublished(refused, dotNet, { exchange })).rejects.toThrow(
      new RegExp(`^cannot publish message [0-9a-f-]{36} to exchange "${exchange.replaceAll('.', '\\.')}": channel closed$`),
    );
  });

  it('declares-the-contract-topology-as-the-transport-declares-it-under-names-of-its-own', async () => {
    const { exchanges: contractExchanges, queues: contractQueues } = contract.platformEventsTopology;
    for (const exchange of contractExchanges) exchanges.add(named(exchange.name));
    for (const queue of contractQueues) queues.add(named(queue.name));
    await amqp.declarePlatformEventsTopology(channel, { name: named });
    await amqp.declarePlatformEventsTopology(channel, { name: named });
    // The transport's topology for the same names: any difference makes the broker close the channel.
    const consumer = contract.commandsServicePlatformEventsQueue;
    const checked = await connection.createChannel();
    await declareTopology(
      checked,
      subscriptionTopology({
        exchange: named(consumer.exchange),
        queue: named(consumer.queue),
        routingKeys: consumer.topics,
        deadLetter: { exchange: named(consumer.deadLetter.exchange), queue: named(consumer.deadLetter.queue), arguments: consumer.deadLetter.arguments },
        queueArguments: consumer.arguments,
        replaces: consumer.replaces.map(named),
      }),
    );
    await checked.close();
    // A dead letter of the queue reaches its dead-letter queue under the new names.
    const topic = contract.platformPublishedTopology;
    const message = await amqp.publishPlatformPublished(confirm, dotNet, { exchange: named(topic.exchange) });
    channel.nack(await next(named(topic.queue)), false, false);
    const [dead] = await take(named(topic.deadLetterQueue), 1);
    expect(amqp.toEventMessage(dead!)).toMatchObject({ id: message.id, metadata: { 'x-death-count': '1' } });
  });
});
