/**
 * Test support for the local RabbitMQ, on plain amqplib (deliberately not the runtime's AMQP
 * transport): a consumer that sees events exactly as they travel, and a TCP proxy that plays an
 * unreachable broker. Not part of the service.
 */
import { randomUUID } from 'node:crypto';
import { connect as connectTcp, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { connect } from 'amqplib';
import type { ConsumeMessage } from 'amqplib';

export const brokerHost = '127.0.0.1';
export const brokerPort = 5672;
export const brokerUrl = `amqp://guest:guest@${brokerHost}:${brokerPort}`;

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

/** A TCP proxy in front of the broker that can refuse and drop connections. */
export interface BrokerProxy {
  readonly url: string;
  /** Forwards new connections to the broker. */
  accept(): void;
  /** Drops every open connection and refuses new ones (the broker is "down"). */
  refuse(): void;
  close(): Promise<void>;
}

/** Starts a proxy on a free local port, refusing connections until `accept()`. */
export async function startBrokerProxy(): Promise<BrokerProxy> {
  const sockets = new Set<Socket>();
  let accepting = false;
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = createServer((client) => {
    track(client);
    if (!accepting) return void client.destroy();
    const upstream = connectTcp(brokerPort, brokerHost);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, brokerHost, resolve));
  const { port } = server.address() as { port: number };
  const refuse = (): void => {
    accepting = false;
    for (const socket of sockets) socket.destroy();
  };
  return {
    url: `amqp://guest:guest@${brokerHost}:${port}`,
    accept: () => void (accepting = true),
    refuse,
    async close() {
      refuse();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Resolves once `condition` holds, checking every few milliseconds (the test timeout bounds it). */
export async function eventually(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 20));
}
