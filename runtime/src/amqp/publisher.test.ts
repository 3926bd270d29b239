import { afterEach, describe, expect, it } from 'vitest';
import { AppError, errorCodes } from '../errors/index.ts';
import { makeMessage } from '../messaging/test-support.ts';
import { metadataKeys } from '../messaging/metadata.ts';
import { createAmqpPublisher } from './publisher.ts';
import { declareTopology, subscriptionTopology } from './topology.ts';
import { brokerUrl, deleteBrokerObjects, startBrokerProxy, uniqueName, withAdminChannel } from './testing.ts';

describe('AMQP publisher', () => {
  const exchange = uniqueName('publisher');
  const queue = `${exchange}.queue`;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await deleteBrokerObjects({ queues: [queue], exchanges: [exchange] });
  });

  const bindQueue = (routingKey: string): Promise<void> =>
    withAdminChannel((channel) => declareTopology(channel, subscriptionTopology({ exchange, queue, routingKeys: [routingKey] })));

  it('resolves once the broker confirmed every message: they are all in the queue', async () => {
    await bindQueue('confirmed');
    const publisher = createAmqpPublisher({ url: brokerUrl, exchange, maxInFlight: 8 });
    cleanups.push(() => publisher.close());
    await publisher.connection.ready();
    await publisher.publish('confirmed', Array.from({ length: 100 }, (_, i) => makeMessage('confirmed', i)));
    expect(await withAdminChannel((channel) => channel.checkQueue(queue))).toMatchObject({ messageCount: 100 });
  });

  it('sends persistent messages with metadata as properties and headers', async () => {
    await bindQueue('mapped');
    const publisher = createAmqpPublisher({ url: brokerUrl, exchange });
    cleanups.push(() => publisher.close());
    await publisher.connection.ready();
    const sent = makeMessage('mapped', 0);
    await publisher.publish('mapped', [sent]);
    const delivery = await withAdminChannel((channel) => channel.get(queue, { noAck: true }));
    expect(delivery).not.toBe(false);
    if (delivery === false) return;
    expect(delivery.fields.routingKey).toBe('mapped');
    expect(delivery.properties).toMatchObject({
      deliveryMode: 2,
      messageId: sent.id,
      contentType: 'application/json',
      type: 'mapped',
      appId: 'conformance',
      correlationId: sent.metadata[metadataKeys.correlationId],
      timestamp: Number(sent.metadata[metadataKeys.timestamp]) / 1000,
      headers: { traceparent: sent.metadata[metadataKeys.traceparent], 'x-custom': 'value 0' },
    });
    expect(delivery.properties.headers).not.toHaveProperty(metadataKeys.contentType);
    expect(delivery.content.toString()).toBe(new TextDecoder().decode(sent.payload));
  });

  it('rejects with AppError unavailable while the broker is unreachable', async () => {
    const proxy = await startBrokerProxy();
    cleanups.push(() => proxy.close());
    const publisher = createAmqpPublisher({ url: proxy.url, exchange });
    cleanups.push(() => publisher.close());
    const error = await publisher.publish('anything', [makeMessage('anything', 0)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: errorCodes.unavailable, message: expect.stringMatching(/^cannot publish: /) });
  });

  it('rejects a message whose timestamp is not epoch milliseconds', async () => {
    const publisher = createAmqpPublisher({ url: brokerUrl, exchange });
    cleanups.push(() => publisher.close());
    await publisher.connection.ready();
    const message = { ...makeMessage('t', 0), metadata: { [metadataKeys.timestamp]: 'yesterday' } };
    await expect(publisher.publish('t', [message])).rejects.toMatchObject({ code: errorCodes.invalidArgument });
  });

  it('refuses to publish once closed', async () => {
    const publisher = createAmqpPublisher({ url: brokerUrl, exchange });
    await publisher.close();
    await expect(publisher.publish('t', [makeMessage('t', 0)])).rejects.toMatchObject({ code: errorCodes.unavailable });
  });

  it('rejects invalid options at construction', () => {
    expect(() => createAmqpPublisher({ exchange })).toThrow('cannot create AMQP publisher: give exactly one of connection and url');
    expect(() => createAmqpPublisher({ url: brokerUrl, exchange, maxInFlight: 0 })).toThrow('cannot create AMQP publisher: maxInFlight must be an integer >= 1, got 0');
  });
});
