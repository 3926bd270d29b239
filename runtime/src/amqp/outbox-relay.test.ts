import { afterEach, describe, expect, it } from 'vitest';
import { createInMemoryOutboxStore } from '../messaging/in-memory-outbox-store.ts';
import { createOutboxRelay } from '../messaging/outbox-relay.ts';
import { createInbox, makeMessage } from '../messaging/test-support.ts';
import { createAmqpConnection } from './connection.ts';
import { createAmqpPublisher } from './publisher.ts';
import { createAmqpSubscriber } from './subscriber.ts';
import { brokerUrl, deleteBrokerObjects, eventually, startBrokerProxy, uniqueName } from './testing.ts';

describe('outbox relay over AMQP', () => {
  const exchange = uniqueName('outbox');
  const queue = `${exchange}.queue`;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await deleteBrokerObjects({ queues: [queue], exchanges: [exchange] });
  });

  it('keeps events while the broker is unreachable, then publishes them all, in order', async () => {
    const subscriber = createAmqpSubscriber({ url: brokerUrl, exchange, queue, prefetch: 1 });
    cleanups.push(() => subscriber.close());
    const inbox = createInbox();
    await subscriber.subscribe('platform.published', inbox.handler);

    // The relay's publisher reaches the broker through a proxy that refuses connections at first.
    const proxy = await startBrokerProxy();
    const connection = createAmqpConnection({ url: proxy.url, name: exchange, reconnect: { initialInterval: 10, maxInterval: 100 } });
    const publisher = createAmqpPublisher({ connection, exchange });
    cleanups.push(() => proxy.close(), () => connection.close(), () => publisher.close());
    const store = createInMemoryOutboxStore();
    const relay = createOutboxRelay({ store, publisher, batchSize: 20, pollInterval: 50, backoff: { initialInterval: 10, maxInterval: 100 } });
    cleanups.push(() => relay.stop());
    const written = [...store.add('platform.published', Array.from({ length: 30 }, (_, i) => makeMessage('platform.published', i)))];
    relay.start();
    await eventually(() => relay.consecutiveFailures >= 2);
    expect(relay.state).toBe('backing-off');
    written.push(...store.add('platform.published', Array.from({ length: 30 }, (_, i) => makeMessage('platform.published', 30 + i))));
    expect(store.pending()).toHaveLength(60);

    proxy.accept();
    await inbox.until((received) => received.length === written.length);
    expect(inbox.received.map((m) => m.id)).toEqual(written.map((record) => record.message.id));
    await eventually(() => store.pending().length === 0);
    expect(relay.consecutiveFailures).toBe(0);
  });
});
