/**
 * Quorum queues on the local RabbitMQ, declared as the contract declares commands-service's queues
 * (contracts/asyncapi/platform-events.yaml): declared idempotently, consumed through the AMQP
 * subscriber, dead-lettered at least once, and dead-lettered by the broker itself once a message
 * was delivered more often than its `x-delivery-limit`.
 */
import { connect, type GetMessage } from 'amqplib';
import { afterAll, describe, expect, it } from 'vitest';
import type { Message } from '../messaging/index.ts';
import { createAmqpSubscriber } from './subscriber.ts';
import { brokerUrl, deleteBrokerObjects, eventually, uniqueName, withAdminChannel } from './testing.ts';
import { declareTopology, subscriptionTopology } from './topology.ts';

/** Why the broker refuses to declare `queue` as a classic queue (the channel closes: a connection of its own). */
async function classicDeclarationError(queue: string): Promise<string> {
  const connection = await connect(brokerUrl);
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    return await channel.assertQueue(queue, { durable: true }).then(() => 'declared', (error: unknown) => String(error));
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** The contract's arguments, with a delivery limit small enough for a test. */
const quorumArguments = { 'x-queue-type': 'quorum', 'x-delivery-limit': 2, 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' } as const;

describe('quorum queues of a subscription', () => {
  const exchange = uniqueName('quorum');
  const queue = `${exchange}.queue`;
  const deadLetter = { exchange: `${exchange}.dlx`, queue: `${queue}.dlq`, arguments: { 'x-queue-type': 'quorum' } };
  const topology = subscriptionTopology({ exchange, queue, routingKeys: ['platform.*'], deadLetter, queueArguments: quorumArguments });

  afterAll(() => deleteBrokerObjects({ queues: [queue, deadLetter.queue], exchanges: [exchange, deadLetter.exchange] }));

  const nextDeadLetter = async (): Promise<GetMessage> =>
    withAdminChannel(async (channel) => {
      let dead: GetMessage | false = false;
      await eventually(async () => (dead = await channel.get(deadLetter.queue, { noAck: true })) !== false);
      return dead as unknown as GetMessage;
    });

  it('declares-both-queues-as-quorum-queues-idempotently-and-refuses-a-classic-redeclaration', async () => {
    await withAdminChannel((channel) => declareTopology(channel, topology));
    await withAdminChannel((channel) => declareTopology(channel, topology));
    // The queue type is an argument: declaring the queue as a classic one is refused (PRECONDITION_FAILED).
    expect(await classicDeclarationError(queue)).toContain('PRECONDITION_FAILED');
    expect(await classicDeclarationError(deadLetter.queue)).toMatch(/PRECONDITION_FAILED - inequivalent arg 'x-queue-type'/);
  });

  it('consumes-through-the-subscriber-and-dead-letters-a-rejected-message-with-x-death', async () => {
    const subscriber = createAmqpSubscriber({ url: brokerUrl, exchange, queue, deadLetter, queueArguments: quorumArguments, requeueDelay: 0 });
    const seen: Message[] = [];
    try {
      await subscriber.subscribe(['platform.*'], async (message) => {
        seen.push(message);
      });
      await withAdminChannel(async (channel) => {
        channel.publish(exchange, 'platform.published', Buffer.from('{"id":1}'), { messageId: 'quorum-1', persistent: true, type: 'platform.published' });
      });
      await eventually(() => seen.length === 1);
      expect(seen[0]).toMatchObject({ id: 'quorum-1', metadata: { type: 'platform.published' } });
    } finally {
      await subscriber.close();
    }
    await withAdminChannel(async (channel) => {
      channel.publish(exchange, 'platform.deleted', Buffer.from('rejected'), { messageId: 'quorum-2', persistent: true });
      let delivery: GetMessage | false = false;
      await eventually(async () => (delivery = await channel.get(queue)) !== false);
      channel.nack(delivery as unknown as GetMessage, false, false);
    });
    const dead = await nextDeadLetter();
    expect(dead.properties.messageId).toBe('quorum-2');
    expect(dead.properties.headers?.['x-death']?.[0]).toMatchObject({ queue, reason: 'rejected', count: 1, exchange });
  });

  it('dead-letters-a-message-the-broker-delivered-more-often-than-its-delivery-limit', async () => {
    // A consumer that crashes before settling: each delivery returns to the queue (nack with requeue, as a dropped channel would).
    const deliveries = await withAdminChannel(async (channel) => {
      channel.publish(exchange, 'platform.updated', Buffer.from('crashes its consumer'), { messageId: 'quorum-3', persistent: true });
      let count = 0;
      for (;;) {
        let delivery: GetMessage | false = false;
        await eventually(async () => (delivery = await channel.get(queue)) !== false || (await channel.checkQueue(deadLetter.queue)).messageCount > 0);
        if (delivery === false) return count;
        count++;
        channel.nack(delivery as unknown as GetMessage, false, true);
      }
    });
    // Delivered once, then redelivered up to the limit (2): the broker then dead-letters it instead.
    expect(deliveries).toBe(quorumArguments['x-delivery-limit'] + 1);
    const dead = await nextDeadLetter();
    expect(dead.properties.messageId).toBe('quorum-3');
    expect(dead.properties.headers?.['x-death']?.[0]).toMatchObject({ queue, reason: 'delivery_limit' });
    expect(await withAdminChannel((channel) => channel.checkQueue(queue))).toMatchObject({ messageCount: 0 });
  });
});
