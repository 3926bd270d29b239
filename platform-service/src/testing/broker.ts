/**
 * Test support for the local RabbitMQ, on plain amqplib (deliberately not the runtime's AMQP
 * transport): a consumer that sees events exactly as they travel. The broker proxy and the other
 * shared helpers come from `@platform/runtime/amqp/testing`. Not part of the service.
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import type { ConsumeMessage } from 'amqplib';
import { brokerUrl } from '@platform/runtime/amqp/testing';

export { brokerUrl, eventually, startBrokerProxy } from '@platform/runtime/amqp/testing';
export type { BrokerProxy } from '@platform/runtime/amqp/testing';

/** A broker object name unique to this run, e.g. `test-ps-1a2b3c4d.platform.events`. */
export function uniqueName(suffix: string): string {
  return `test-ps-${randomUUID().slice(0, 8)}.${suffix}`;
}

export interface TestConsumer {
  readonly received: ConsumeMessage[];
  /** Resolves once `count` messages arrived. */
  until(count: number): Promise<void>;
  /** Deletes the queue and the exchange, closes the connection. */
  close(): Promise<void>;
}

/**
 * Binds a fresh queue to `exchange` (declared topic and durable, as the service declares it) for
 * `routingKey` and collects every delivery, acknowledging it.
 */
export async function startTestConsumer(exchange: string, routingKey: string): Promise<TestConsumer> {
  const connection = await connect(brokerUrl, { clientProperties: { connection_name: uniqueName('consumer') } });
  connection.on('error', () => undefined);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  const { queue } = await channel.assertQueue(uniqueName('queue'), { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, exchange, routingKey);
  const received: ConsumeMessage[] = [];
  const waiters = new Set<() => void>();
  await channel.consume(queue, (message) => {
    if (message === null) return;
    received.push(message);
    channel.ack(message);
    for (const waiter of waiters) waiter();
  });
  return {
    received,
    until: (count) =>
      new Promise((resolve) => {
        const check = (): void => {
          if (received.length < count) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      }),
    async close() {
      await channel.deleteQueue(queue).catch(() => undefined);
      await channel.deleteExchange(exchange).catch(() => undefined);
      await connection.close().catch(() => undefined);
    },
  };
}
