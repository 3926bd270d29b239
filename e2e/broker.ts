/** Broker object names of one test run on the local RabbitMQ, and their removal afterwards. */
import { randomUUID } from 'node:crypto';
import { deleteBrokerObjects as deleteObjects } from '@platform/runtime/amqp/testing';

export { brokerUrl as localBrokerUrl } from '@platform/runtime/amqp/testing';

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
export function deleteBrokerObjects(names: BrokerNames): Promise<void> {
  return deleteObjects({ queues: [names.queue, `${names.queue}.dlq`], exchanges: [names.exchange, `${names.exchange}.dlx`] });
}
