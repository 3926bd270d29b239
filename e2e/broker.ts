/** Broker object names of one test run on the local RabbitMQ, and their removal afterwards. */
import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';

export const localBrokerUrl = 'amqp://guest:guest@127.0.0.1:5672';

export interface BrokerNames {
  readonly exchange: string;
  readonly queue: string;
}

/** Names no other run uses, shaped like the contract's (`<prefix>.platform.events`, ...). */
export function uniqueBrokerNames(): BrokerNames {
  const prefix = `e2e-${randomUUID().slice(0, 8)}`;
  return { exchange: `${prefix}.platform.events`, queue: `${prefix}.commands-service.platform-events` };
}

/** Deletes the queues and exchanges of a run (dead-letter ones included, as the launcher names them). */
export async function deleteBrokerObjects(names: BrokerNames): Promise<void> {
  const connection = await connect(localBrokerUrl);
  try {
    const channel = await connection.createChannel();
    for (const queue of [names.queue, `${names.queue}.dlq`]) await channel.deleteQueue(queue);
    for (const exchange of [names.exchange, `${names.exchange}.dlx`]) await channel.deleteExchange(exchange);
    await channel.close();
  } finally {
    await connection.close();
  }
}
