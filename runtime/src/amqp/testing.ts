import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, connect as connectTcp, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { connect, type Channel } from 'amqplib';

/**
 * Test helpers for the local RabbitMQ (127.0.0.1:5672), shared by the runtime's and the services'
 * tests as `@platform/runtime/amqp/testing`: unique object names, clean-up, connections closed
 * from the broker side, and a TCP proxy that plays a broker that is down. Never used in production.
 */

export const brokerHost = '127.0.0.1';
export const brokerPort = 5672;
export const brokerUrl = `amqp://guest:guest@${brokerHost}:${brokerPort}`;

const run = promisify(execFile);

/** A broker object name unique to this run, e.g. `test-publisher-1a2b3c4d`. */
export function uniqueName(prefix: string): string {
  return `test-${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Runs `use` with a plain channel on a connection of its own (no recovery), then closes both. */
export async function withAdminChannel<T>(use: (channel: Channel) => Promise<T>): Promise<T> {
  const connection = await connect(brokerUrl, { clientProperties: { connection_name: uniqueName('admin') } });
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    const result = await use(channel);
    // Closing the channel first flushes what `use` published.
    await channel.close();
    return result;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Whether `queue` exists (asked on a connection of its own: a missing queue closes the channel). */
export async function queueExists(queue: string): Promise<boolean> {
  const connection = await connect(brokerUrl, { clientProperties: { connection_name: uniqueName('admin') } });
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    return await channel.checkQueue(queue).then(
      () => true,
      () => false,
    );
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Deletes test queues and exchanges; missing ones are fine. */
export async function deleteBrokerObjects(objects: { queues?: readonly string[]; exchanges?: readonly string[] }): Promise<void> {
  await withAdminChannel(async (channel) => {
    for (const queue of objects.queues ?? []) await channel.deleteQueue(queue);
    for (const exchange of objects.exchanges ?? []) await channel.deleteExchange(exchange);
  });
}

/** Has the broker close every connection whose `connection_name` is `name`; returns how many it closed. */
export async function closeConnectionsNamed(name: string, reason = 'test'): Promise<number> {
  const { stdout } = await run('rabbitmqctl', ['list_connections', 'pid', 'client_properties', '-q']);
  const pids = stdout
    .split('\n')
    .filter((line) => line.includes(`{"connection_name","${name}"}`))
    .map((line) => line.split('\t')[0] as string);
  for (const pid of pids) await run('rabbitmqctl', ['close_connection', pid, reason]);
  return pids.length;
}

/** A TCP proxy to the broker that can refuse and drop connections, to play an unreachable broker. */
export interface BrokerProxy {
  readonly url: string;
  /** Forwards new connections to the broker. */
  accept(): void;
  /** Drops every open connection and refuses new ones. */
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
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10));
}
