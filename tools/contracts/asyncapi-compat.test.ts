import { describe, expect, it } from 'vitest';
import { compareAsyncapi } from './asyncapi-compat.ts';
import type { Change } from './change.ts';
import type { Json } from './json-ref.ts';
import { at } from './test-support.ts';

interface Doc {
  channels: Record<string, Json>;
  operations: Record<string, Json>;
  components: { messages: Record<string, Json>; schemas: Record<string, Json> };
}

/**
 * A small AsyncAPI 3.0 document: an exchange channel the producer sends `ItemCreated` to, and the
 * queue channel (bound to it, with dead-letter arguments) the consumer receives it from.
 */
function document(edit: (doc: Doc) => void = () => {}): Json {
  const doc: Doc = {
    channels: {
      itemCreated: {
        address: 'item.created',
        messages: { ItemCreated: { $ref: '#/components/messages/ItemCreated' } },
        bindings: { amqp: { is: 'routingKey', exchange: { name: 'items', type: 'topic', durable: true, autoDelete: false, vhost: '/' } } },
      },
      consumerQueue: {
        address: 'consumer.items',
        messages: { ItemCreated: { $ref: '#/components/messages/ItemCreated' } },
        bindings: {
          amqp: {
            is: 'queue',
            queue: { name: 'consumer.items', durable: true, exclusive: false, autoDelete: false, vhost: '/' },
            'x-queue-bindings': [{ exchange: 'items', routingKey: 'item.created' }],
            'x-queue-arguments': { 'x-dead-letter-exchange': 'items.dlx' },
          },
        },
      },
    },
    operations: {
      sendItemCreated: { action: 'send', channel: { $ref: '#/channels/itemCreated' }, messages: [{ $ref: '#/channels/itemCreated/messages/ItemCreated' }] },
      receiveItemCreated: { action: 'receive', channel: { $ref: '#/channels/consumerQueue' }, messages: [{ $ref: '#/channels/consumerQueue/messages/ItemCreated' }] },
    },
    components: {
      messages: {
        ItemCreated: {
          name: 'ItemCreated',
          contentType: 'application/json',
          payload: { $ref: '#/components/schemas/ItemPayload' },
          bindings: { amqp: { messageType: 'item.created' } },
        },
      },
      schemas: {
        ItemPayload: {
          type: 'object',
          required: ['id', 'kind'],
          additionalProperties: false,
          properties: { id: { type: 'integer' }, kind: { type: 'string', enum: ['book', 'film'] }, note: { type: 'string' } },
        },
      },
    },
  };
  edit(doc);
  return { asyncapi: '3.0.0', info: { title: 'Items', version: '1.0.0' }, ...doc };
}

const compareWith = (edit: (doc: Doc) => void): Change[] => compareAsyncapi(document(), document(edit));
const payload = (doc: Doc): Json => doc.components.schemas.ItemPayload as Json;
const props = (doc: Doc): Json => payload(doc).properties as Json;
const amqp = (doc: Doc, channel: string): Json => at(doc.channels, channel, 'bindings', 'amqp');
const list = (doc: Doc, ...keys: string[]): Json[] => at(doc as unknown as Json, ...keys) as unknown as Json[];

describe('payloads follow the role of each operation', () => {
  it('finds-no-change-between-identical-documents', () => {
    expect(compareAsyncapi(document(), document())).toEqual([]);
  });

  it('breaks-the-receiver-when-a-payload-narrows', () => {
    const changes = compareWith((doc) => (props(doc).kind = { type: 'string', enum: ['book'] }));
    expect(changes).toEqual([
      { severity: 'breaking', message: 'payload field ItemPayload.kind: enum value "film" removed', sites: ['receive receiveItemCreated'] },
      { severity: 'non-breaking', message: 'payload field ItemPayload.kind: enum value "film" removed', sites: ['send sendItemCreated'] },
    ]);
  });

  it('breaks-the-sender-when-a-payload-widens', () => {
    const changes = compareWith((doc) => (props(doc).kind = { type: 'string', enum: ['book', 'film', 'game'] }));
    expect(changes.filter((c) => c.severity === 'breaking')).toEqual([
      { severity: 'breaking', message: 'payload field ItemPayload.kind: enum value "game" added', sites: ['send sendItemCreated'] },
    ]);
  });

  it('breaks-the-receiver-on-a-new-required-field-and-the-sender-on-a-field-that-became-optional', () => {
    const changes = compareWith((doc) => {
      payload(doc).required = ['id', 'note'];
    });
    expect(changes.filter((c) => c.severity === 'breaking')).toEqual([
      { severity: 'breaking', message: 'payload field ItemPayload.kind: now optional (old consumers expect it always)', sites: ['send sendItemCreated'] },
      { severity: 'breaking', message: 'payload field ItemPayload.note: now required (old producers may omit it)', sites: ['receive receiveItemCreated'] },
    ]);
  });
});

describe('wiring', () => {
  it('breaks-on-queue-arguments-and-queue-properties', () => {
    const changes = compareWith((doc) => {
      (amqp(doc, 'consumerQueue')['x-queue-arguments'] as Json)['x-queue-type'] = 'quorum';
      (amqp(doc, 'consumerQueue').queue as Json).durable = false;
    });
    expect(changes.map((c) => c.message)).toEqual([
      'channel consumerQueue AMQP binding: queue durable true → false',
      'channel consumerQueue AMQP binding: queue type classic → quorum (RabbitMQ refuses to redeclare a queue with other arguments: declare it under a new name that lists the old one in x-replaces-queues)',
    ]);
  });

  it('names-a-queue-replaced-by-a-quorum-queue-of-a-new-name-and-its-migration', () => {
    const changes = compareWith((doc) => {
      doc.channels.consumerQueue!.address = 'consumer.items.v2';
      const binding = amqp(doc, 'consumerQueue');
      (binding.queue as Json).name = 'consumer.items.v2';
      (binding['x-queue-arguments'] as Json)['x-queue-type'] = 'quorum';
      (binding['x-queue-arguments'] as Json)['x-delivery-limit'] = 20;
      binding['x-replaces-queues'] = ['consumer.items'];
    });
    expect(changes).toEqual([
      { severity: 'breaking', message: 'channel consumerQueue address (routing key or queue name) consumer.items → consumer.items.v2', sites: [] },
      {
        severity: 'breaking',
        message:
          'channel consumerQueue AMQP binding: queue consumer.items replaced by consumer.items.v2 (x-replaces-queues): its consumer moves the messages of consumer.items into consumer.items.v2 and deletes consumer.items at start-up; anything else reading consumer.items by name stops receiving messages',
        sites: [],
      },
      { severity: 'non-breaking', message: 'channel consumerQueue AMQP binding: queue type classic → quorum (on the new queue consumer.items.v2, which replaces consumer.items)', sites: [] },
      { severity: 'non-breaking', message: 'channel consumerQueue AMQP binding: queue argument x-delivery-limit none → 20 (on the new queue consumer.items.v2, which replaces consumer.items)', sites: [] },
    ]);
  });

  it('says-a-renamed-queue-strands-its-messages-without-x-replaces-queues', () => {
    const changes = compareWith((doc) => ((amqp(doc, 'consumerQueue').queue as Json).name = 'consumer.items.v2'));
    expect(changes.map((c) => c.message)).toEqual(['channel consumerQueue AMQP binding: queue consumer.items renamed consumer.items.v2 without x-replaces-queues naming consumer.items: the messages waiting in it would be stranded']);
  });

  it('accepts-an-extra-queue-binding', () => {
    const changes = compareWith((doc) => (amqp(doc, 'consumerQueue')['x-queue-bindings'] as Json[]).push({ exchange: 'items', routingKey: 'item.updated' }));
    expect(changes).toEqual([
      { severity: 'non-breaking', message: 'channel consumerQueue AMQP binding: queue now also bound to exchange items with routing key item.updated', sites: [] },
    ]);
  });

  it('breaks-when-a-channel-or-operation-disappears', () => {
    const changes = compareWith((doc) => {
      delete doc.operations.receiveItemCreated;
      delete doc.channels.consumerQueue;
    });
    expect(changes.map((c) => `${c.severity}: ${c.message}`)).toEqual([
      'breaking: channel consumerQueue (consumer.items) removed',
      'breaking: operation receiveItemCreated (receive on consumerQueue) removed',
    ]);
  });

  it('breaks-when-a-message-changes-its-content-type-or-amqp-type', () => {
    const changes = compareWith((doc) => {
      const message = doc.components.messages.ItemCreated as Json;
      message.contentType = 'application/cloudevents+json';
      message.bindings = { amqp: { messageType: 'items.created.v2' } };
    });
    expect(changes.map((c) => c.message)).toEqual([
      'message ItemCreated: content type "application/json" → "application/cloudevents+json"',
      'message ItemCreated: AMQP type "item.created" → "items.created.v2"',
    ]);
    expect(changes[0]?.sites).toEqual(['send sendItemCreated', 'receive receiveItemCreated']);
  });

  it('breaks-consumers-when-a-send-operation-gains-a-message-but-not-when-a-receive-one-does', () => {
    const changes = compareWith((doc) => {
      doc.components.messages.ItemDeleted = { name: 'ItemDeleted', payload: { type: 'object' } };
      for (const channel of ['itemCreated', 'consumerQueue']) at(doc.channels, channel, 'messages').ItemDeleted = { $ref: '#/components/messages/ItemDeleted' };
      list(doc, 'operations', 'sendItemCreated', 'messages').push({ $ref: '#/channels/itemCreated/messages/ItemDeleted' });
      list(doc, 'operations', 'receiveItemCreated', 'messages').push({ $ref: '#/channels/consumerQueue/messages/ItemDeleted' });
    });
    expect(changes.map((c) => `${c.severity}: ${c.message}`)).toEqual([
      'breaking: operation sendItemCreated now also sends message ItemDeleted (old consumers do not know it)',
      'non-breaking: message ItemDeleted added to channel itemCreated',
      'non-breaking: message ItemDeleted added to channel consumerQueue',
      'non-breaking: operation receiveItemCreated now also receives message ItemDeleted',
    ]);
  });

  it('refuses-asyncapi-2-documents', () => {
    expect(() => compareAsyncapi({ asyncapi: '2.6.0' }, document())).toThrow('cannot compare AsyncAPI documents: the old one is not AsyncAPI 3 (asyncapi: 2.6.0)');
  });
});
