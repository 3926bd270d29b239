/**
 * Behaviour of the generated events module (gen/asyncapi/platform-events/index.ts), freshly
 * generated into a temporary folder: create/decode round trip, poison-message rejections that
 * name the field, publish/subscribe through the runtime's in-process bus with the dead-letter
 * middleware, plain Node type stripping, and `tsc` on code that uses it right and wrong.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { declareTopology, fromDelivery, subscriptionTopology, toPublishOptions } from '@platform/runtime/amqp';
import { isAppError } from '@platform/runtime/errors';
import {
  createDeadLetterMiddleware,
  createInProcessBus,
  createRetryMiddleware,
  metadataKeys,
  type InProcessBus,
  type Message,
} from '@platform/runtime/messaging';
import type * as GeneratedContract from '@platform/gen/asyncapi/platform-events/contract.ts';
import type * as GeneratedEvents from '@platform/gen/asyncapi/platform-events/index.ts';
import type { PlatformEventsHandlers, PlatformPublished } from '@platform/gen/asyncapi/platform-events/index.ts';
import { generateAsyncapi } from './asyncapi.ts';
import { writeGenPackage } from './gen-package.ts';

// Types come from gen/ (what services import); values from the freshly generated copy.
type Events = typeof GeneratedEvents;

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dotNet: PlatformPublished = { id: 1, name: 'Dot Net', publisher: 'Microsoft', cost: 'Free' };
const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

let dir: string;
let modulePath: string;
let events: Events;
let contractModule: typeof GeneratedContract;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'asyncapi-module-'));
  await writeGenPackage(root, join(dir, 'gen'));
  await generateAsyncapi({ root, contractsDir: join(root, 'contracts'), genDir: join(dir, 'gen') }, { html: false });
  // Bare imports of the generated module (ajv, @platform/runtime) resolve as they do from gen/.
  await symlink(join(root, 'node_modules'), join(dir, 'node_modules'), 'junction');
  modulePath = join(dir, 'gen/asyncapi/platform-events/index.ts');
  events = (await import(pathToFileURL(modulePath).href)) as Events;
  contractModule = (await import(pathToFileURL(join(dir, 'gen/asyncapi/platform-events/contract.ts')).href)) as typeof GeneratedContract;
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A message like `create...Message` makes, with other payload bytes. */
function withPayload(payload: string | Uint8Array): Message {
  const message = events.createPlatformPublishedMessage(dotNet);
  return { ...message, payload: typeof payload === 'string' ? new TextEncoder().encode(payload) : payload };
}

/** The error `fn` throws (fails the test when it does not throw). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, none was thrown');
}

describe('create and decode', () => {
  it('round-trips-a-valid-payload-with-its-metadata', () => {
    const timestamp = new Date('2026-01-01T00:00:00.123Z');
    const message = events.createPlatformPublishedMessage(dotNet, { id: 'event-1', correlationId: 'request-7', traceparent, timestamp });
    expect(message.id).toBe('event-1');
    expect(message.metadata).toEqual({
      [metadataKeys.contentType]: 'application/json',
      [metadataKeys.type]: 'platform.published',
      [metadataKeys.appId]: 'platform-service',
      [metadataKeys.timestamp]: String(timestamp.getTime()),
      [metadataKeys.correlationId]: 'request-7',
      [metadataKeys.traceparent]: traceparent,
    });
    expect(JSON.parse(new TextDecoder().decode(message.payload))).toEqual(dotNet);
    expect(events.decodePlatformPublished(message)).toEqual(dotNet);
  });

  it('gives-each-message-a-fresh-uuid-and-the-current-time-by-default', () => {
    const [a, b] = [events.createPlatformPublishedMessage(dotNet), events.createPlatformPublishedMessage(dotNet)];
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(b.id).not.toBe(a.id);
    expect(a.metadata[metadataKeys.timestamp]).toMatch(/^\d+$/);
    expect(a.metadata).not.toHaveProperty(metadataKeys.correlationId);
    expect(a.metadata).not.toHaveProperty(metadataKeys.traceparent);
  });

  it.each([
    ['a-missing-field', '{"id":1,"name":"Dot Net","publisher":"Microsoft"}', '/cost is required'],
    ['an-empty-string', '{"id":1,"name":"","publisher":"Microsoft","cost":"Free"}', '/name must NOT have fewer than 1 characters'],
    ['a-wrong-type', '{"id":"1","name":"Dot Net","publisher":"Microsoft","cost":"Free"}', '/id must be integer'],
    ['an-id-below-one', '{"id":0,"name":"Dot Net","publisher":"Microsoft","cost":"Free"}', '/id must be >= 1'],
    ['a-payload-that-is-not-an-object', '[1,2]', '/ must be object'],
  ])('rejects-%s-as-a-poison-message-naming-the-field', (_name, json, issue) => {
    const error = thrown(() => events.decodePlatformPublished(withPayload(json)));
    expect(isAppError(error, 'poison_message')).toBe(true);
    expect((error as Error).message).toBe(`cannot handle platform.published: ${issue}`);
    expect((error as { details: unknown }).details).toEqual([{ path: issue.split(' ')[0], message: issue.slice(issue.indexOf(' ') + 1) }]);
  });

  it('reports-every-offending-field-at-once', () => {
    const error = thrown(() => events.decodePlatformPublished(withPayload('{"id":-1,"name":"","extra":true}')));
    expect((error as Error).message).toContain('/publisher is required');
    expect((error as Error).message).toContain('/cost is required');
    expect((error as Error).message).not.toContain('extra');
    expect((error as Error).message).toContain('/id must be >= 1');
    expect((error as Error).message).toContain('/name must NOT have fewer than 1 characters');
  });

  it.each([
    ['not-json', withPayloadLater('{"id":1,'), /^cannot handle platform\.published: payload is not JSON \(.+\)$/],
    ['empty', withPayloadLater(''), /^cannot handle platform\.published: payload is not JSON/],
    ['not-utf-8', withPayloadLater(new Uint8Array([0x7b, 0xff, 0x7d])), /^cannot handle platform\.published: payload is not JSON/],
  ])('rejects-a-payload-that-is-%s-as-a-poison-message', (_name, make, text) => {
    const error = thrown(() => events.decodePlatformPublished(make()));
    expect(isAppError(error, 'poison_message')).toBe(true);
    expect((error as Error).message).toMatch(text);
  });

  it('reads-tolerantly-ignoring-fields-it-does-not-know', () => {
    const newer = withPayload('{"id":1,"name":"Dot Net","publisher":"Microsoft","cost":"Free","price":0,"tags":["x"]}');
    expect(events.decodePlatformPublished(newer)).toEqual(dotNet);
    const update = events.createPlatformUpdatedMessage({ ...dotNet, version: 2 });
    const withExtra = { ...update, payload: new TextEncoder().encode('{"id":1,"name":"Dot Net","publisher":"Microsoft","cost":"Free","version":2,"future":{"a":1}}') };
    expect(events.decodePlatformUpdated(withExtra)).toEqual({ ...dotNet, version: 2 });
  });

  it.each([
    ['a-lone-surrogate', '{"id":1,"name":"x\\ud800y","publisher":"Microsoft","cost":"Free"}', '/name must be well-formed Unicode text (a lone surrogate such as \\ud800 is not)'],
    ['a-reversed-surrogate-pair', '{"id":1,"name":"Dot Net","publisher":"\\udfff\\ud800","cost":"Free"}', '/publisher must be well-formed Unicode text (a lone surrogate such as \\ud800 is not)'],
    ['u-0000', '{"id":1,"name":"Dot Net","publisher":"Microsoft","cost":"a\\u0000b"}', '/cost must not contain the character U+0000'],
  ])('rejects-text-with-%s-as-a-poison-message-naming-the-field', (_name, json, issue) => {
    // Found by the event fuzzer: such text was stored as U+FFFD (PostgreSQL) or failed the insert as a transient error.
    const error = thrown(() => events.decodePlatformPublished(withPayload(json)));
    expect(isAppError(error, 'poison_message')).toBe(true);
    expect((error as Error).message).toBe(`cannot handle platform.published: ${issue}`);
  });

  it('reads-odd-but-well-formed-text-as-it-is-and-drops-an-unknown-member-whatever-its-text', () => {
    const odd = { ...dotNet, name: '\ufeff\u202e👨‍👩‍👧‍👦\u{10ffff}', publisher: '\u2028' };
    expect(events.decodePlatformPublished(withPayload(JSON.stringify(odd)))).toEqual(odd);
    expect(events.decodePlatformPublished(withPayload('{"id":1,"name":"Dot Net","publisher":"Microsoft","cost":"Free","x\\ud800":"\\u0000"}'))).toEqual(dotNet);
  });

  it('writes-strictly-refusing-text-a-reader-would-refuse', () => {
    const error = thrown(() => events.createPlatformPublishedMessage({ ...dotNet, name: 'x\ud800' }));
    expect(isAppError(error, 'invalid_argument')).toBe(true);
    expect((error as Error).message).toBe('cannot create platform.published message: /name must be well-formed Unicode text (a lone surrogate such as \\ud800 is not)');
    expect(events.isPlatformPublished({ ...dotNet, cost: '\u0000' })).toBe(false);
    expect(events.platformPublishedIssues({ ...dotNet, cost: '\u0000' })).toEqual([{ path: '/cost', message: 'must not contain the character U+0000' }]);
  });

  it('writes-strictly-refusing-a-field-the-contract-does-not-declare', () => {
    const error = thrown(() => events.createPlatformPublishedMessage({ ...dotNet, price: 0 } as PlatformPublished));
    expect(isAppError(error, 'invalid_argument')).toBe(true);
    expect((error as Error).message).toBe('cannot create platform.published message: /price is not allowed');
    expect(events.isPlatformPublished({ ...dotNet, price: 0 })).toBe(false);
    expect(events.isPlatformPublished(dotNet)).toBe(true);
  });

  it('rejects-a-message-without-a-content-type-or-with-metadata-the-contract-forbids-as-poison', () => {
    const message = events.createPlatformPublishedMessage(dotNet);
    const { [metadataKeys.contentType]: _, ...noContentType } = message.metadata;
    expect((thrown(() => events.decodePlatformPublished({ ...message, metadata: noContentType })) as Error).message).toBe(
      'cannot handle platform.published: it has no content type (the contract requires application/json)',
    );
    const otherApp = { ...message, metadata: { ...message.metadata, [metadataKeys.appId]: 'someone-else' } };
    const error = thrown(() => events.decodePlatformPublished(otherApp));
    expect(isAppError(error, 'poison_message')).toBe(true);
    expect((error as Error).message).toBe('cannot handle platform.published: metadata/appId must be equal to constant');
    const { [metadataKeys.timestamp]: __, ...noTimestamp } = message.metadata;
    expect((thrown(() => events.decodePlatformPublished({ ...message, metadata: noTimestamp })) as Error).message).toBe(
      'cannot handle platform.published: metadata/timestamp is required',
    );
  });

  it('round-trips-updates-and-deletes-with-their-versions', () => {
    const updated = { ...dotNet, name: '.NET', version: 2 };
    const message = events.createPlatformUpdatedMessage(updated, { correlationId: 'r' });
    expect(message.metadata).toMatchObject({ [metadataKeys.type]: 'platform.updated', [metadataKeys.appId]: 'platform-service' });
    expect(events.decodePlatformUpdated(message)).toEqual(updated);
    const deleted = events.createPlatformDeletedMessage({ id: 1, version: 3 });
    expect(events.decodePlatformDeleted(deleted)).toEqual({ id: 1, version: 3 });
    expect((thrown(() => events.createPlatformDeletedMessage({ id: 1, version: 1 })) as Error).message).toBe('cannot create platform.deleted message: /version must be >= 2');
    // A message of one type never decodes as another.
    expect((thrown(() => events.decodePlatformUpdated(deleted)) as Error).message).toBe('cannot handle platform.updated: message type is platform.deleted');
  });

  it('decodes-a-message-of-any-type-of-the-document-by-its-type', () => {
    const messages = [
      contractModule.createPlatformPublishedMessage(dotNet),
      contractModule.createPlatformUpdatedMessage({ ...dotNet, version: 2 }),
      contractModule.createPlatformDeletedMessage({ id: 1, version: 3 }),
    ];
    expect(messages.map((message) => contractModule.decodePlatformEventsMessage(message))).toEqual([
      { type: 'platform.published', payload: dotNet },
      { type: 'platform.updated', payload: { ...dotNet, version: 2 } },
      { type: 'platform.deleted', payload: { id: 1, version: 3 } },
    ]);
    const [published] = messages;
    const newer = { ...published!, payload: new TextEncoder().encode(JSON.stringify({ ...dotNet, price: 0 })) };
    expect(contractModule.decodePlatformEventsMessage(newer)).toEqual({ type: 'platform.published', payload: dotNet });
    const { type: _, ...untyped } = published!.metadata;
    const cases = [
      [{ ...published!, metadata: untyped }, `cannot handle message ${published!.id}: it has no type (expected one of platform.published, platform.updated, platform.deleted)`],
      [{ ...published!, metadata: { ...published!.metadata, type: 'platform.renamed' } }, `cannot handle message ${published!.id}: no message of type platform.renamed (expected one of platform.published, platform.updated, platform.deleted)`],
      [{ ...published!, payload: new TextEncoder().encode('{"id":1}') }, 'cannot handle platform.published: /name is required; /publisher is required; /cost is required'],
    ] as const;
    for (const [message, text] of cases) {
      const error = thrown(() => contractModule.decodePlatformEventsMessage(message));
      expect(error).toBeInstanceOf(contractModule.EventContractError);
      expect(error).toMatchObject({ code: 'poison_message', message: text });
    }
  });

  it('rejects-another-content-type-or-message-type-as-a-poison-message', () => {
    const message = events.createPlatformPublishedMessage(dotNet);
    const xml = { ...message, metadata: { ...message.metadata, [metadataKeys.contentType]: 'application/xml' } };
    expect((thrown(() => events.decodePlatformPublished(xml)) as Error).message).toBe(
      'cannot handle platform.published: content type is application/xml, expected application/json',
    );
    const other = { ...message, metadata: { ...message.metadata, [metadataKeys.type]: 'platform.deleted' } };
    expect(isAppError(thrown(() => events.decodePlatformPublished(other)), 'poison_message')).toBe(true);
    const charset = { ...message, metadata: { ...message.metadata, [metadataKeys.contentType]: 'application/json; charset=utf-8' } };
    expect(events.decodePlatformPublished(charset)).toEqual(dotNet);
  });

  it.each(['application/json; charset=utf-16', 'application/json; charset=ISO-8859-1', 'application/json; charset="latin1"'])(
    'rejects-a-json-content-type-in-another-charset-than-utf-8-as-a-poison-message: %s',
    (contentType) => {
      // Found by the event fuzzer: the charset was ignored and the bytes read as UTF-8 whatever the message said.
      const message = events.createPlatformPublishedMessage(dotNet);
      const error = thrown(() => events.decodePlatformPublished({ ...message, metadata: { ...message.metadata, [metadataKeys.contentType]: contentType } }));
      expect(isAppError(error, 'poison_message')).toBe(true);
      expect((error as Error).message).toBe(`cannot handle platform.published: content type is ${contentType}: the payload must be UTF-8`);
    },
  );

  it.each(['application/json;charset=UTF-8', 'application/json; charset="utf-8"', 'Application/JSON'])('reads-json-in-utf-8-however-its-content-type-spells-it: %s', (contentType) => {
    const message = events.createPlatformPublishedMessage(dotNet);
    expect(events.decodePlatformPublished({ ...message, metadata: { ...message.metadata, [metadataKeys.contentType]: contentType } })).toEqual(dotNet);
  });

  it('refuses-to-create-a-message-that-breaks-the-contract', () => {
    const invalid = { ...dotNet, cost: '' } as PlatformPublished;
    const error = thrown(() => events.createPlatformPublishedMessage(invalid));
    expect(isAppError(error, 'invalid_argument')).toBe(true);
    expect((error as Error).message).toBe('cannot create platform.published message: /cost must NOT have fewer than 1 characters');
    const badTrace = thrown(() => events.createPlatformPublishedMessage(dotNet, { traceparent: 'not-a-traceparent' }));
    expect((badTrace as Error).message).toMatch(/^cannot create platform\.published message: metadata \/traceparent must match pattern/);
    expect(isAppError(thrown(() => events.createPlatformPublishedMessage(dotNet, { timestamp: new Date(Number.NaN) })), 'invalid_argument')).toBe(true);
  });

  it('accepts-every-example-of-the-contract', async () => {
    const contract = parse(await readFile(join(root, 'contracts/asyncapi/platform-events.yaml'), 'utf8'));
    const checks = [
      ['PlatformPublished', events.platformPublishedIssues, events.platformPublishedMetadataSchema],
      ['PlatformUpdated', events.platformUpdatedIssues, events.platformUpdatedMetadataSchema],
      ['PlatformDeleted', events.platformDeletedIssues, events.platformDeletedMetadataSchema],
    ] as const;
    for (const [name, issues, metadataSchema] of checks) {
      const examples = contract.components.messages[name].examples as { payload: unknown; headers: unknown }[];
      const validateHeaders = new Ajv({ allErrors: true }).compile(metadataSchema);
      expect(examples.length).toBeGreaterThan(0);
      for (const example of examples) {
        expect({ name, issues: issues(example.payload) }).toEqual({ name, issues: [] });
        validateHeaders(example.headers);
        expect({ name, errors: validateHeaders.errors ?? [] }).toEqual({ name, errors: [] });
      }
    }
  });

  it('describes-every-metadata-key-the-runtime-uses', () => {
    for (const schema of [events.platformPublishedMetadataSchema, events.platformUpdatedMetadataSchema, events.platformDeletedMetadataSchema]) {
      expect(Object.keys(schema.properties).toSorted()).toEqual(Object.values(metadataKeys).toSorted());
    }
  });
});

describe('topology constants', () => {
  it('name-the-exchange-routing-key-queue-and-dead-letters-of-the-contract', () => {
    expect(events.platformPublishedTopology).toEqual({
      exchange: 'platform.events',
      exchangeType: 'topic',
      routingKey: 'platform.published',
      queue: 'commands-service.platform-events.v2',
      deadLetterExchange: 'platform.events.dlx',
      deadLetterExchangeType: 'topic',
      deadLetterRoutingKey: 'commands-service.platform-events.v2',
      deadLetterQueue: 'commands-service.platform-events.v2.dlq',
    });
    expect(events.platformPublishedProperties).toEqual({
      messageType: 'platform.published',
      contentType: 'application/json',
      appId: 'platform-service',
      deliveryMode: 2,
    });
    expect(events.platformEventsTopology.bindings).toEqual([
      { exchange: 'platform.events', queue: 'commands-service.platform-events.v2', routingKey: 'platform.published' },
      { exchange: 'platform.events', queue: 'commands-service.platform-events.v2', routingKey: 'platform.updated' },
      { exchange: 'platform.events', queue: 'commands-service.platform-events.v2', routingKey: 'platform.deleted' },
      { exchange: 'platform.events.dlx', queue: 'commands-service.platform-events.v2.dlq', routingKey: 'commands-service.platform-events.v2' },
      { exchange: 'platform.events.dlx', queue: 'commands-service.platform-events.v2.dlq', routingKey: 'commands-service.platform-events' },
    ]);
    expect(events.commandsServicePlatformEventsQueue).toEqual({
      queue: 'commands-service.platform-events.v2',
      exchange: 'platform.events',
      topics: ['platform.published', 'platform.updated', 'platform.deleted'],
      deadLetter: {
        exchange: 'platform.events.dlx',
        queue: 'commands-service.platform-events.v2.dlq',
        arguments: { 'x-queue-type': 'quorum' },
        replaces: ['commands-service.platform-events.dlq'],
      },
      arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': 20, 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' },
      replaces: ['commands-service.platform-events'],
      messageTypes: ['platform.published', 'platform.updated', 'platform.deleted'],
    });
  });
});

describe('contract topology on the local RabbitMQ', () => {
  // Broker names get a unique prefix so the test never touches the real platform.events objects.
  const prefix = `test-asyncapi-${randomUUID().slice(0, 8)}.`;
  const named = (name: string) => prefix + name;
  let connection: ChannelModel;
  let channel: Channel;

  beforeAll(async () => {
    connection = await connect('amqp://guest:guest@127.0.0.1:5672');
    channel = await connection.createChannel();
  });

  afterAll(async () => {
    if (!channel) return;
    for (const queue of events.platformEventsTopology.queues) await channel.deleteQueue(named(queue.name));
    for (const exchange of events.platformEventsTopology.exchanges) await channel.deleteExchange(named(exchange.name));
    await connection.close();
  });

  it('declares-exactly-as-the-amqp-transport-declares-a-subscription-and-dead-letters-there', async () => {
    const { exchanges, queues, bindings } = events.platformEventsTopology;
    // Everything the contract says, flag by flag...
    for (const exchange of exchanges) {
      await channel.assertExchange(named(exchange.name), exchange.type, { durable: exchange.durable, autoDelete: exchange.autoDelete });
    }
    for (const queue of queues) {
      const args = Object.fromEntries(
        Object.entries(queue.arguments).map(([key, value]) => [key, (key === 'x-dead-letter-exchange' || key === 'x-dead-letter-routing-key') && typeof value === 'string' ? named(value) : value]),
      );
      await channel.assertQueue(named(queue.name), { durable: queue.durable, exclusive: queue.exclusive, autoDelete: queue.autoDelete, arguments: args });
    }
    for (const binding of bindings) await channel.bindQueue(named(binding.queue), named(binding.exchange), binding.routingKey);
    // ...then the transport's topology for the same names: any difference fails with PRECONDITION_FAILED.
    const topic = events.platformPublishedTopology;
    const consumer = events.commandsServicePlatformEventsQueue;
    await declareTopology(
      channel,
      subscriptionTopology({
        exchange: named(consumer.exchange),
        queue: named(consumer.queue),
        routingKeys: consumer.topics,
        deadLetter: { exchange: named(consumer.deadLetter.exchange), queue: named(consumer.deadLetter.queue), arguments: consumer.deadLetter.arguments },
        queueArguments: consumer.arguments,
        replaces: consumer.replaces.map(named),
      }),
    );
    // The routing key of dead letters is the queue's name (x-dead-letter-routing-key), as the contract binds the DLQ.
    const message = events.createPlatformPublishedMessage(dotNet, { correlationId: 'request-9' });
    channel.publish(named(topic.exchange), topic.routingKey, Buffer.from(message.payload), toPublishOptions(message));
    const delivery = await consumeOne(channel, named(topic.queue));
    const received = fromDelivery(delivery);
    expect(received.id).toBe(message.id);
    expect(events.decodePlatformPublished(received)).toEqual(dotNet);
    expect(delivery.properties).toMatchObject({ deliveryMode: 2, type: 'platform.published', appId: 'platform-service', contentType: 'application/json' });
    channel.nack(delivery, false, false);
    expect(fromDelivery(await consumeOne(channel, named(topic.deadLetterQueue))).id).toBe(message.id);
  });
});

/** The first message delivered from `queue` (left unacknowledged); stops consuming. */
async function consumeOne(channel: Channel, queue: string): Promise<ConsumeMessage> {
  const { promise, resolve: delivered } = Promise.withResolvers<ConsumeMessage>();
  const { consumerTag } = await channel.consume(queue, (message) => {
    if (message) delivered(message);
  });
  const message = await promise;
  await channel.cancel(consumerTag);
  return message;
}

describe('publish and subscribe through the in-process bus', () => {
  let bus: InProcessBus;
  beforeAll(() => {
    bus = createInProcessBus({ maxDeliveries: 1, redeliveryDelay: 0 });
  });
  afterAll(() => bus.close());

  /** A handler set recording every call, for queue `queue` of the bus. */
  function recordingHandlers() {
    const calls: { type: string; event: unknown; message: Message }[] = [];
    const handlers = {
      async receivePlatformPublished(event, message) {
        calls.push({ type: 'published', event, message });
      },
      async receivePlatformUpdated(event, message) {
        calls.push({ type: 'updated', event, message });
      },
      async receivePlatformDeleted(event, message) {
        calls.push({ type: 'deleted', event, message });
      },
    } satisfies PlatformEventsHandlers;
    return { calls, handlers };
  }

  async function until(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2));
  }

  it('routes-each-message-type-of-one-queue-to-its-typed-handler', async () => {
    const { calls, handlers } = recordingHandlers();
    const subscription = await events.subscribePlatformEvents(bus.createSubscriber({ queue: 'handler-set' }), handlers);
    const published = await events.publishPlatformPublished(bus.publisher, dotNet, { correlationId: 'request-1' });
    await events.publishPlatformUpdated(bus.publisher, { ...dotNet, name: '.NET', version: 2 });
    await events.publishPlatformDeleted(bus.publisher, { id: 1, version: 3 });
    await until(() => calls.length === 3);
    expect(calls.map(({ type, event }) => ({ type, event }))).toEqual([
      { type: 'published', event: dotNet },
      { type: 'updated', event: { ...dotNet, name: '.NET', version: 2 } },
      { type: 'deleted', event: { id: 1, version: 3 } },
    ]);
    expect(calls[0]?.message.id).toBe(published.id);
    expect(calls[0]?.message.metadata[metadataKeys.correlationId]).toBe('request-1');
    await subscription.close();
  });

  it('dead-letters-a-poison-message-or-an-unknown-type-at-once-without-calling-a-handler', async () => {
    const { deadLetterQueue, deadLetterRoutingKey, routingKey } = events.platformPublishedTopology;
    const deadLetters: Message[] = [];
    const dlq = await bus.createSubscriber({ queue: deadLetterQueue }).subscribe(deadLetterRoutingKey, async (message) => void deadLetters.push(message));
    const { calls, handlers } = recordingHandlers();
    const middleware = [
      createDeadLetterMiddleware({ publisher: bus.publisher, topic: deadLetterRoutingKey }),
      createRetryMiddleware({ maxRetries: 3, initialInterval: 1 }),
    ];
    const subscription = await events.subscribePlatformEvents(bus.createSubscriber({ queue: 'poison-handler' }), handlers, { middleware });
    const poison = withPayload('{"id":2,"name":"Broken","publisher":"Example"}');
    await bus.publisher.publish(routingKey, [poison]);
    const stray = { ...events.createPlatformPublishedMessage(dotNet), metadata: { ...events.createPlatformPublishedMessage(dotNet).metadata, [metadataKeys.type]: 'platform.renamed' } };
    await bus.publisher.publish(routingKey, [stray]);
    await until(() => deadLetters.length === 2);
    expect(deadLetters.map((letter) => [letter.id, letter.metadata[metadataKeys.deadLetterCode], letter.metadata[metadataKeys.deadLetterReason], letter.metadata[metadataKeys.deadLetterAttempts]])).toEqual([
      [poison.id, 'poison_message', 'cannot handle platform.published: /cost is required', '1'],
      [stray.id, 'poison_message', `cannot handle message ${stray.id}: no handler for type platform.renamed (expected one of platform.published, platform.updated, platform.deleted)`, '1'],
    ]);
    expect(calls).toEqual([]);
    expect(bus.deadLetters()).toEqual([]);
    await Promise.all([subscription.close(), dlq.close()]);
  });
});

describe('outside vitest', () => {
  it('keeps-the-contract-module-free-of-the-platform-runtime', async () => {
    const source = await readFile(join(dir, 'gen/asyncapi/platform-events/contract.ts'), 'utf8');
    const imports = [...source.matchAll(/^import .* from '([^']+)';$/gm)].map((match) => match[1]);
    expect(imports.toSorted()).toEqual(['ajv']);
  });

  it('compiles-the-contract-module-without-node-types-for-browsers-and-bundlers', async () => {
    const check = join(dir, 'browser-check');
    await mkdir(check, { recursive: true });
    const compilerOptions = { target: 'es2022', lib: ['es2022', 'dom'], module: 'nodenext', moduleResolution: 'nodenext', types: [], strict: true, noEmit: true, skipLibCheck: true, allowImportingTsExtensions: true };
    await writeFile(join(check, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['../gen/asyncapi/platform-events/contract.ts'] }));
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const output = await run(process.execPath, [tsc, '-p', check, '--pretty', 'false'], { cwd: check }).then(
      ({ stdout }) => stdout,
      (error: { stdout: string }) => error.stdout,
    );
    expect(output.trim()).toBe('');
  });

  it('runs-under-plain-node-type-stripping', async () => {
    const script = `
      const events = await import(${JSON.stringify(pathToFileURL(modulePath).href)});
      const message = events.createPlatformPublishedMessage({ id: 1, name: 'Dot Net', publisher: 'Microsoft', cost: 'Free' });
      console.log(JSON.stringify(events.decodePlatformPublished(message)));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: dir });
    expect(JSON.parse(stdout)).toEqual(dotNet);
  });

  it('typechecks-correct-use-and-rejects-wrong-use', async () => {
    const fixtures: Record<string, string> = {
      'correct.ts': `import type { Topology } from '@platform/runtime/amqp';
import type { Publisher, Subscriber } from '@platform/runtime/messaging';
import { platformEventsTopology, publishPlatformPublished, subscribePlatformEvents, type PlatformEventsHandlers } from '../gen/asyncapi/platform-events/index.ts';
export const handlers = {
  async receivePlatformPublished(event, message) {
    console.log(event.id, event.name.toUpperCase(), message.id);
  },
  async receivePlatformUpdated(event) {
    console.log(event.version + 1);
  },
  async receivePlatformDeleted(event) {
    console.log(event.id, event.version);
  },
} satisfies PlatformEventsHandlers;
// The contract's topology is what the AMQP transport declares.
export const topology: Topology = platformEventsTopology;
export async function run(publisher: Publisher, subscriber: Subscriber): Promise<void> {
  await publishPlatformPublished(publisher, { id: 1, name: 'Dot Net', publisher: 'Microsoft', cost: 'Free' }, { correlationId: 'r' });
  await subscribePlatformEvents(subscriber, handlers);
}
`,
      'missing-handler.ts': `import type { PlatformEventsHandlers } from '../gen/asyncapi/platform-events/index.ts';
export const handlers = {
  async receivePlatformPublished() {},
  async receivePlatformUpdated() {},
} satisfies PlatformEventsHandlers;
`,
      'missing-field.ts': `import type { Publisher } from '@platform/runtime/messaging';
import { publishPlatformPublished } from '../gen/asyncapi/platform-events/index.ts';
export const run = (publisher: Publisher) => publishPlatformPublished(publisher, { id: 1, name: 'Dot Net', publisher: 'Microsoft' });
`,
      'unknown-field.ts': `import type { PlatformPublishedHandler } from '../gen/asyncapi/platform-events/index.ts';
export const handler: PlatformPublishedHandler = async (event) => console.log(event.price);
`,
      'extra-field.ts': `import type { Publisher } from '@platform/runtime/messaging';
import { publishPlatformDeleted } from '../gen/asyncapi/platform-events/index.ts';
export const run = (publisher: Publisher) => publishPlatformDeleted(publisher, { id: 1, version: 2, name: 'gone' });
`,
    };
    await mkdir(join(dir, 'fixtures'), { recursive: true });
    for (const [name, source] of Object.entries(fixtures)) await writeFile(join(dir, 'fixtures', name), source);
    const tsconfig = { extends: join(root, 'tsconfig.base.json'), include: ['gen', 'fixtures'] };
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const output = await run(process.execPath, [tsc, '-p', dir, '--pretty', 'false'], { cwd: dir }).then(
      ({ stdout }) => stdout,
      (error: { stdout: string }) => error.stdout,
    );
    const errors = output.split('\n').filter((line) => / error TS\d+/.test(line));
    const byFile = (name: string) => errors.filter((line) => line.startsWith(`fixtures/${name}`));
    expect(errors.filter((line) => !line.startsWith('fixtures/'))).toEqual([]);
    expect(byFile('correct.ts')).toEqual([]);
    expect(byFile('missing-handler.ts').join('\n')).toContain('receivePlatformDeleted');
    expect(byFile('extra-field.ts').join('\n')).toContain("'name' does not exist in type 'PlatformDeleted'");
    expect(byFile('missing-field.ts').join('\n')).toContain("Property 'cost' is missing");
    expect(byFile('unknown-field.ts').join('\n')).toContain("Property 'price' does not exist");
  }, 60_000);
});

/** `withPayload`, deferred until the module is loaded (it.each tables are built before beforeAll). */
function withPayloadLater(payload: string | Uint8Array): () => Message {
  return () => withPayload(payload);
}
