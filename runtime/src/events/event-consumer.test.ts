import { afterEach, describe, expect, it } from 'vitest';
import { brokerUrl, deleteBrokerObjects, uniqueName, withAdminChannel } from '../amqp/testing.ts';
import { createLogger } from '../logging/index.ts';
import { applyMiddleware, type Handler } from '../messaging/index.ts';
import { makeMessage } from '../messaging/test-support.ts';
import { partTelemetry } from '../observability/index.ts';
import { createEventConsumer } from './event-consumer.ts';
import { createEventTransport, type EventTransport } from './event-transport.ts';

/**
 * The consumer's redelivery counter on the real RabbitMQ: it counts what the broker flags as
 * redelivered, so a redelivery after the consumer holding the message went away (a crash, a
 * restart, a dropped connection) counts too, in a process that never saw the message before.
 */
describe('event consumer metrics on RabbitMQ', () => {
  const exchange = uniqueName('consumer-metrics');
  const queue = { exchange, queue: `${exchange}.queue` };
  const type = 'platform.published';
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).toReversed()) await cleanup();
    await deleteBrokerObjects({ queues: [queue.queue], exchanges: [exchange] });
  });

  /** A consumer of `queue` in part `part` (its own metrics registry, as a separate process has), handling with `handler`. */
  async function consume(part: string, handler: Handler): Promise<EventTransport> {
    const logger = createLogger({ name: part, level: 'silent' });
    const transport = createEventTransport({ amqpUrl: brokerUrl, connectionName: part, logger });
    const consumer = createEventConsumer({
      transport,
      queue,
      subscribe: (subscriber, { middleware }) => subscriber.subscribe(type, applyMiddleware(handler, ...middleware)),
      retry: { maxRetries: 0, initialInterval: 1, maxInterval: 1 },
      logger,
    });
    cleanups.push(() => transport.close(), () => consumer.stop());
    await consumer.start();
    return transport;
  }

  async function counters(part: string): Promise<{ deliveries: string | undefined; redeliveries: string | undefined }> {
    const text = (await partTelemetry(part).metrics?.registry.metrics()) ?? '';
    const value = (name: string) => new RegExp(`^${name}\\{type="${type}",part="${part}"\\} (\\d+)$`, 'm').exec(text)?.[1];
    return { deliveries: value('events_deliveries_total'), redeliveries: value('events_redeliveries_total') };
  }

  it('counts-a-message-nacked-with-requeue-as-one-redelivery-of-its-type', async () => {
    const part = uniqueName('nacking-part');
    const handled = Promise.withResolvers<void>();
    let calls = 0;
    const transport = await consume(part, async () => {
      calls++;
      // No dead-letter queue and no retries: the rejection nacks the message with requeue.
      if (calls === 1) throw new Error('cannot write: database down');
      handled.resolve();
    });
    await transport.publisher(exchange)?.publish(type, [makeMessage(type, 0)]);
    await handled.promise;
    expect(calls).toBe(2);
    expect(await counters(part)).toEqual({ deliveries: '2', redeliveries: '1' });
  });

  it('counts-a-redelivery-after-the-consumer-holding-the-message-went-away', async () => {
    // A first life declares the queue, then stops; the message arrives while no consumer runs.
    const first = uniqueName('first-life');
    await consume(first, async () => undefined);
    for (const cleanup of cleanups.splice(0).toReversed()) await cleanup();
    await withAdminChannel(async (channel) => {
      const sent = makeMessage(type, 1);
      channel.publish(exchange, type, Buffer.from(sent.payload), { persistent: true, messageId: sent.id, type, contentType: 'application/json' });
    });
    // A consumer takes it and goes away without acking (a crash): the broker requeues it, flagged redelivered.
    await withAdminChannel(async (channel) => {
      let taken = await channel.get(queue.queue, { noAck: false });
      while (taken === false) taken = await channel.get(queue.queue, { noAck: false });
      expect(taken.fields.redelivered).toBe(false);
    });
    // The restarted consumer never saw the message, yet counts its delivery as a redelivery.
    const restarted = uniqueName('restarted');
    const handled = Promise.withResolvers<void>();
    await consume(restarted, async () => handled.resolve());
    await handled.promise;
    expect(await counters(restarted)).toEqual({ deliveries: '1', redeliveries: '1' });
  });
});
