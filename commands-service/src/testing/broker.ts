import { randomUUID } from 'node:crypto';
import { type ChannelModel, type ConfirmChannel, type GetMessage, connect } from 'amqplib';
import { brokerUrl, deleteBrokerObjects, eventually, withAdminChannel } from '@platform/runtime/amqp/testing';
import type { PlatformEventNames } from '../service.ts';

export { brokerUrl, closeConnectionsNamed, startBrokerProxy } from '@platform/runtime/amqp/testing';
export type { BrokerProxy } from '@platform/runtime/amqp/testing';

/*
 * Test helpers for the local RabbitMQ, on plain amqplib (deliberately not the runtime's or the
 * generated publisher): events are sent as platform-service would put them on the wire. The
 * broker proxy and forced connection closes come from `@platform/runtime/amqp/testing`.
 */

/** Unique broker names for one test, and the connection name the service under test uses. */
export interface TestBrokerNames {
  readonly events: PlatformEventNames;
  readonly connectionName: string;
}

export function uniqueBrokerNames(): TestBrokerNames {
  const prefix = `test-cs-${randomUUID().slice(0, 8)}`;
  return {
    events: {
      exchange: `${prefix}.platform.events`,
      queue: `${prefix}.commands-service.platform-events`,
      deadLetterExchange: `${prefix}.platform.events.dlx`,
      deadLetterQueue: `${prefix}.commands-service.platform-events.dlq`,
    },
    connectionName: prefix,
  };
}

/** A raw event as it travels: payload bytes plus the AMQP properties platform-service sets. */
export interface RawEvent {
  readonly payload: unknown;
  /** Sent as is when a string (to send bytes that are not JSON), else JSON-encoded. */
  readonly messageId?: string;
  /** Unset sends no content type. Default `application/json`. */
  readonly contentType?: string | null;
  readonly correlationId?: string;
  /** AMQP `type` and routing key. Default `platform.published`. */
  readonly type?: string;
}

/** A plain amqplib confirm-channel publisher on a connection of its own. */
export interface RawPublisher {
  /** Publishes to `exchange` with each event's type as routing key; resolves once the broker confirmed every event. */
  publish(exchange: string, events: readonly RawEvent[]): Promise<void>;
  /** Takes one message from a queue (no ack needed), or undefined when it is empty. */
  get(queue: string): Promise<GetMessage | undefined>;
  /** Messages ready in a queue; rejects when the queue does not exist. */
  depth(queue: string): Promise<number>;
  /** Deletes the test's queues and exchanges; missing ones are fine. */
  deleteAll(names: PlatformEventNames): Promise<void>;
  close(): Promise<void>;
}

export async function connectRawPublisher(): Promise<RawPublisher> {
  const connection: ChannelModel = await connect(brokerUrl, { clientProperties: { connection_name: `test-cs-raw-${randomUUID().slice(0, 8)}` } });
  connection.on('error', () => undefined);
  const channel: ConfirmChannel = await connection.createConfirmChannel();
  return {
    async publish(exchange, events) {
      for (const event of events) {
        const content = Buffer.from(typeof event.payload === 'string' ? event.payload : JSON.stringify(event.payload));
        const type = event.type ?? 'platform.published';
        channel.publish(exchange, type, content, {
          persistent: true,
          messageId: event.messageId ?? randomUUID(),
          ...(event.contentType === null ? {} : { contentType: event.contentType ?? 'application/json' }),
          type,
          appId: 'platform-service',
          timestamp: Math.floor(Date.now() / 1000),
          ...(event.correlationId ? { correlationId: event.correlationId } : {}),
        });
      }
      await channel.waitForConfirms();
    },
    async get(queue) {
      const message = await channel.get(queue, { noAck: true });
      return message === false ? undefined : message;
    },
    // A channel of its own: checking a queue that does not exist closes the channel.
    depth: (queue) => withAdminChannel(async (probe) => (await probe.checkQueue(queue)).messageCount),
    deleteAll: (names) =>
      deleteBrokerObjects({ queues: [names.queue, names.deadLetterQueue], exchanges: [names.exchange, names.deadLetterExchange] }),
    async close() {
      await connection.close().catch(() => undefined);
    },
  };
}

/** Waits for a message in `queue`, polling. */
export async function nextMessage(publisher: RawPublisher, queue: string): Promise<GetMessage> {
  let message: GetMessage | undefined;
  await eventually(async () => (message = await publisher.get(queue)) !== undefined);
  return message as GetMessage;
}
