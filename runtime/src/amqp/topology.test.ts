import { afterEach, describe, expect, it } from 'vitest';
import { declareTopology, subscriptionTopology } from './topology.ts';
import { deleteBrokerObjects, uniqueName, withAdminChannel } from './testing.ts';

describe('AMQP topology', () => {
  const exchange = uniqueName('topology');
  const queue = `${exchange}.queue`;
  const deadLetter = { exchange: `${exchange}.dlx`, queue: `${queue}.dlq` };
  const topology = subscriptionTopology({ exchange, queue, routingKeys: ['platform.published'], deadLetter });

  afterEach(() => deleteBrokerObjects({ queues: [queue, deadLetter.queue], exchanges: [exchange, deadLetter.exchange] }));

  it('describes a subscription with its dead-letter exchange and queue', () => {
    expect(topology).toEqual({
      exchanges: [{ name: exchange }, { name: deadLetter.exchange }],
      queues: [{ name: deadLetter.queue }, { name: queue, deadLetterExchange: deadLetter.exchange, deadLetterRoutingKey: queue }],
      bindings: [
        { exchange, queue, routingKey: 'platform.published' },
        { exchange: deadLetter.exchange, queue: deadLetter.queue, routingKey: queue },
      ],
    });
  });

  it('declares idempotently: declaring the same topology twice succeeds', async () => {
    await withAdminChannel((channel) => declareTopology(channel, topology));
    await withAdminChannel((channel) => declareTopology(channel, topology));
    await withAdminChannel(async (channel) => {
      await channel.checkExchange(exchange);
      await channel.checkExchange(deadLetter.exchange);
      expect(await channel.checkQueue(queue)).toMatchObject({ messageCount: 0 });
      expect(await channel.checkQueue(deadLetter.queue)).toMatchObject({ messageCount: 0 });
    });
  });

  it('routes by routing key to the queue, and what the broker dead-letters to the DLQ', async () => {
    await withAdminChannel(async (channel) => {
      await declareTopology(channel, topology);
      channel.publish(exchange, 'platform.published', Buffer.from('routed'));
      channel.publish(exchange, 'platform.deleted', Buffer.from('not bound'));
      let delivery = await channel.get(queue);
      while (delivery === false) delivery = await channel.get(queue);
      expect(delivery.content.toString()).toBe('routed');
      channel.nack(delivery, false, false);
      let dead = await channel.get(deadLetter.queue, { noAck: true });
      while (dead === false) dead = await channel.get(deadLetter.queue, { noAck: true });
      expect(dead.content.toString()).toBe('routed');
      expect(dead.properties.headers?.['x-death']?.[0]).toMatchObject({ queue, reason: 'rejected', count: 1 });
      expect(await channel.checkQueue(queue)).toMatchObject({ messageCount: 0 });
    });
  });
});
