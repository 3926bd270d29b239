import { afterEach, describe, expect, it } from 'vitest';
import { AppError, errorCodes } from '../errors/index.ts';
import { createDeadLetterMiddleware } from '../messaging/middleware/dead-letter.ts';
import { createRetryMiddleware } from '../messaging/middleware/retry.ts';
import { applyMiddleware } from '../messaging/message.ts';
import { metadataKeys } from '../messaging/metadata.ts';
import { createInbox, makeMessage } from '../messaging/test-support.ts';
import type { ConnectionState } from './connection.ts';
import { createAmqpPublisher } from './publisher.ts';
import { createAmqpSubscriber } from './subscriber.ts';
import { brokerUrl, closeConnectionsNamed, deleteBrokerObjects, eventually, uniqueName, withAdminChannel } from './testing.ts';

describe('AMQP subscriber', () => {
  const exchange = uniqueName('subscriber');
  const queue = `${exchange}.queue`;
  const deadLetter = { exchange: `${exchange}.dlx`, queue: `${queue}.dlq` };
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await deleteBrokerObjects({ queues: [queue, deadLetter.queue], exchanges: [exchange, deadLetter.exchange] });
  });

  it('dead-letters a poison message into the DLQ with the reason header, acking the original', async () => {
    const subscriber = createAmqpSubscriber({ url: brokerUrl, exchange, queue, deadLetter });
    const deadLetters = createAmqpPublisher({ connection: subscriber.connection, exchange: deadLetter.exchange });
    const publisher = createAmqpPublisher({ url: brokerUrl, exchange });
    cleanups.push(() => subscriber.close(), () => deadLetters.close(), () => publisher.close());
    const handler = applyMiddleware(
      async () => {
        throw new AppError(errorCodes.poisonMessage, 'cannot handle platform event: payload fails the schema');
      },
      createDeadLetterMiddleware({ publisher: deadLetters, topic: subscriber.deadLetterTopic as string }),
      createRetryMiddleware({ initialInterval: 1 }),
    );
    await subscriber.subscribe('platform.published', handler);
    const sent = makeMessage('platform.published', 0);
    await publisher.publish('platform.published', [sent]);

    let dead = await withAdminChannel((channel) => channel.get(deadLetter.queue, { noAck: true }));
    while (dead === false) dead = await withAdminChannel((channel) => channel.get(deadLetter.queue, { noAck: true }));
    expect(dead.properties.messageId).toBe(sent.id);
    expect(dead.properties.headers).toMatchObject({
      [metadataKeys.deadLetterReason]: 'cannot handle platform event: payload fails the schema',
      [metadataKeys.deadLetterCode]: errorCodes.poisonMessage,
      [metadataKeys.deadLetterAttempts]: '1',
    });
    await subscriber.close();
    expect(await withAdminChannel((channel) => channel.checkQueue(queue))).toMatchObject({ messageCount: 0 });
  });

  it('exposes what the broker dead-lettered itself as an x-death count', async () => {
    const subscriber = createAmqpSubscriber({ url: brokerUrl, exchange, queue, deadLetter });
    const publisher = createAmqpPublisher({ url: brokerUrl, exchange });
    const dlq = createAmqpSubscriber({ url: brokerUrl, exchange: deadLetter.exchange, queue: deadLetter.queue });
    cleanups.push(() => dlq.close(), () => subscriber.close(), () => publisher.close());
    await subscriber.subscribe('platform.published', async () => undefined);
    await subscriber.close();
    await publisher.publish('platform.published', [makeMessage('platform.published', 0)]);
    await withAdminChannel(async (channel) => {
      let delivery = await channel.get(queue);
      while (delivery === false) delivery = await channel.get(queue);
      channel.nack(delivery, false, false);
    });
    const inbox = createInbox();
    await dlq.subscribe(queue, inbox.handler);
    await inbox.until((received) => received.length === 1);
    expect(inbox.received[0]?.metadata[metadataKeys.deathCount]).toBe('1');
  });

  it('resumes consuming, and the publisher recovers, after the broker closes their connections', async () => {
    const name = uniqueName('forced-close');
    const subscriber = createAmqpSubscriber({ url: brokerUrl, connectionName: name, exchange, queue, requeueDelay: 10 });
    const publisher = createAmqpPublisher({ url: brokerUrl, connectionName: name, exchange });
    cleanups.push(() => subscriber.close(), () => publisher.close());
    const states: ConnectionState[] = [];
    subscriber.connection.on('state', (state) => void states.push(state));
    const inbox = createInbox();
    await subscriber.subscribe('platform.published', inbox.handler);
    await publisher.connection.ready();
    const before = makeMessage('platform.published', 0);
    await publisher.publish('platform.published', [before]);
    await inbox.until((received) => received.length === 1);

    expect(await closeConnectionsNamed(name, 'test: forced close')).toBe(2);

    // The caller of a publisher (the outbox relay) retries until the publisher has recovered.
    const after = makeMessage('platform.published', 1);
    await eventually(() => publisher.publish('platform.published', [after]).then(() => true, () => false));
    await inbox.until((received) => received.some((m) => m.id === after.id));
    // At least once: a publish attempt that failed may still have reached the broker.
    expect([...new Set(inbox.received.map((m) => m.id))]).toEqual([before.id, after.id]);
    expect(states).toEqual(['connected', 'disconnected', 'connected']);
  });

  it('refuses a second topic on the same queue', async () => {
    const subscriber = createAmqpSubscriber({ url: brokerUrl, exchange, queue });
    cleanups.push(() => subscriber.close());
    await subscriber.subscribe('a', async () => undefined);
    await expect(subscriber.subscribe('b', async () => undefined)).rejects.toMatchObject({ code: errorCodes.invalidArgument });
  });

  it('rejects invalid options at construction', () => {
    expect(() => createAmqpSubscriber({ url: brokerUrl, exchange, queue: '' })).toThrow('cannot create AMQP subscriber: queue must be a non-empty string');
    expect(() => createAmqpSubscriber({ url: brokerUrl, exchange, queue, prefetch: 0 })).toThrow(AppError);
  });
});
