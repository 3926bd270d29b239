import { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { errorCodes } from '../errors/index.ts';
import { createInbox } from '../messaging/test-support.ts';
import { createAmqpConnection, type ConnectionState } from './connection.ts';
import { createAmqpSubscriber } from './subscriber.ts';
import { brokerUrl, deleteBrokerObjects, eventually, startBrokerProxy, uniqueName, withAdminChannel } from './testing.ts';

describe('AMQP connection', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('reports connecting, then connected, then closed', async () => {
    const connection = createAmqpConnection({ url: brokerUrl, name: uniqueName('connection') });
    const states: ConnectionState[] = [];
    connection.on('state', (state) => void states.push(state));
    expect(connection.state).toBe('connecting');
    await connection.ready();
    expect(connection.state).toBe('connected');
    await connection.close();
    expect(states).toEqual(['connected', 'closed']);
    await expect(connection.ready()).rejects.toMatchObject({ code: errorCodes.unavailable });
  });

  it('turns Nagle off on its socket, so a publish or ack never waits for the broker\'s delayed ACK', async () => {
    const proxy = await startBrokerProxy();
    proxy.accept();
    cleanups.push(() => proxy.close());
    const noDelay = vi.spyOn(Socket.prototype, 'setNoDelay');
    cleanups.push(async () => noDelay.mockRestore());
    const connection = createAmqpConnection({ url: proxy.url, name: uniqueName('connection') });
    cleanups.push(() => connection.close());
    await connection.ready();
    const port = Number(new URL(proxy.url).port);
    const toBroker = noDelay.mock.contexts.flatMap((socket, index) => ((socket as Socket).remotePort === port ? [noDelay.mock.calls[index]?.[0]] : []));
    expect(toBroker).toEqual([true]);
  });

  it('refuses channels with AppError unavailable while the broker is unreachable', async () => {
    const proxy = await startBrokerProxy();
    cleanups.push(() => proxy.close());
    const connection = createAmqpConnection({ url: proxy.url, reconnect: { initialInterval: 10, maxInterval: 50 } });
    cleanups.push(() => connection.close());
    await expect(connection.createChannel()).rejects.toMatchObject({ code: errorCodes.unavailable, message: expect.stringMatching(/^cannot open channel: connection platform is connecting/) });
    proxy.accept();
    await connection.ready();
    await (await connection.createChannel()).close();
  });

  it('re-declares topology and resumes consumers after the broker connection is lost', async () => {
    const proxy = await startBrokerProxy();
    proxy.accept();
    cleanups.push(() => proxy.close());
    const exchange = uniqueName('redeclare');
    const queue = `${exchange}.queue`;
    cleanups.push(() => deleteBrokerObjects({ queues: [queue], exchanges: [exchange] }));
    const connection = createAmqpConnection({ url: proxy.url, name: exchange, reconnect: { initialInterval: 10, maxInterval: 100 } });
    const subscriber = createAmqpSubscriber({ connection, exchange, queue });
    cleanups.push(() => connection.close(), () => subscriber.close());
    const states: ConnectionState[] = [];
    connection.on('state', (state) => void states.push(state));
    const inbox = createInbox();
    await subscriber.subscribe('resume.test', inbox.handler);

    proxy.refuse();
    await eventually(() => connection.state === 'disconnected');
    // While the service cannot reach the broker, its queue and exchange disappear.
    await deleteBrokerObjects({ queues: [queue], exchanges: [exchange] });
    proxy.accept();
    await connection.ready();

    await eventually(() =>
      withAdminChannel(async (channel) => (await channel.checkQueue(queue)).consumerCount === 1).catch(() => false),
    );
    await withAdminChannel(async (channel) => {
      channel.publish(exchange, 'resume.test', Buffer.from('after reconnect'), { messageId: 'm-1' });
    });
    await inbox.until((received) => received.length === 1);
    expect(inbox.received[0]?.id).toBe('m-1');
    expect(states).toEqual(['connected', 'disconnected', 'connected']);
  });
});
