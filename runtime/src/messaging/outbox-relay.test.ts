import { describe, expect, it } from 'vitest';
import { AppError, errorCodes } from '../errors/index.ts';
import { createInMemoryOutboxStore } from './in-memory-outbox-store.ts';
import { createInProcessBus } from './in-process.ts';
import type { Message, Publisher } from './message.ts';
import { createOutboxRelay } from './outbox-relay.ts';
import { createInbox, makeMessage } from './test-support.ts';

const quick = { initialInterval: 1, maxInterval: 10 };

/** A publisher that fails while `down` is true, passing through to `target` otherwise. */
function flaky(target: Publisher): Publisher & { down: boolean; failures: number } {
  const wrapper = {
    down: true,
    failures: 0,
    async publish(topic: string, messages: readonly Message[]) {
      if (wrapper.down) {
        wrapper.failures++;
        throw new AppError(errorCodes.unavailable, 'cannot publish: broker down');
      }
      await target.publish(topic, messages);
    },
    close: () => target.close(),
  };
  return wrapper;
}

describe('outbox relay', () => {
  it('publishes pending records in order and marks them sent', async () => {
    const bus = createInProcessBus();
    const inbox = createInbox();
    await bus.createSubscriber({ queue: 'platform.published' }).subscribe('platform.published', inbox.handler);
    const store = createInMemoryOutboxStore();
    const written = store.add('platform.published', Array.from({ length: 25 }, (_, i) => makeMessage('platform.published', i)));
    const relay = createOutboxRelay({ store, publisher: bus.publisher, batchSize: 10, pollInterval: 10_000 });
    relay.start();
    await inbox.until((received) => received.length === 25);
    expect(inbox.received.map((m) => m.id)).toEqual(written.map((r) => r.message.id));
    await relay.stop();
    expect(store.pending()).toHaveLength(0);
    expect(relay.state).toBe('stopped');
    await bus.close();
  });

  it('keeps the order of records across topics', async () => {
    const published: string[] = [];
    const publisher: Publisher = { publish: async (topic, messages) => void published.push(...messages.map((m) => `${topic}:${m.id}`)), close: async () => undefined };
    const store = createInMemoryOutboxStore();
    const records = [...store.add('a', [makeMessage('a', 0), makeMessage('a', 1)]), ...store.add('b', [makeMessage('b', 2)]), ...store.add('a', [makeMessage('a', 3)])];
    const relay = createOutboxRelay({ store, publisher, pollInterval: 10_000 });
    relay.start();
    await waitFor(() => store.pending().length === 0);
    await relay.stop();
    expect(published).toEqual(records.map((r) => `${r.topic}:${r.message.id}`));
  });

  it('backs off while the publisher fails and loses nothing once it recovers', async () => {
    const bus = createInProcessBus();
    const inbox = createInbox();
    await bus.createSubscriber({ queue: 't' }).subscribe('t', inbox.handler);
    const publisher = flaky(bus.publisher);
    const store = createInMemoryOutboxStore();
    const written = store.add('t', [makeMessage('t', 0), makeMessage('t', 1), makeMessage('t', 2)]);
    const relay = createOutboxRelay({ store, publisher, batchSize: 2, pollInterval: 10_000, backoff: quick });
    relay.start();
    await waitFor(() => publisher.failures >= 3);
    expect(relay.state).toBe('backing-off');
    expect(relay.consecutiveFailures).toBeGreaterThanOrEqual(3);
    expect(relay.backlog()).toBe(2);
    expect(store.pending()).toHaveLength(3);
    publisher.down = false;
    await inbox.until((received) => received.length === 3);
    expect(inbox.received.map((m) => m.id)).toEqual(written.map((r) => r.message.id));
    await waitFor(() => relay.state === 'idle');
    expect(relay.consecutiveFailures).toBe(0);
    expect(relay.backlog()).toBe(0);
    await relay.stop();
    await bus.close();
  });

  it('relays a record written later at once when kicked', async () => {
    const bus = createInProcessBus();
    const inbox = createInbox();
    await bus.createSubscriber({ queue: 't' }).subscribe('t', inbox.handler);
    const store = createInMemoryOutboxStore();
    // A poll interval far beyond the test timeout: only the kick can deliver in time.
    const relay = createOutboxRelay({ store, publisher: bus.publisher, pollInterval: 3_600_000 });
    relay.start();
    await waitFor(() => relay.state === 'idle');
    const [record] = store.add('t', [makeMessage('t', 0)]);
    relay.kick();
    await inbox.until((received) => received.length === 1);
    expect(inbox.received[0]?.id).toBe(record?.message.id);
    await relay.stop();
    await bus.close();
  });

  // Under a steady write load most commits land while a round waits for its confirms: a kick
  // lost there would leave their records to the next poll (the bench's paced events-delay).
  it('relays a record written during a round right after that round when kicked', async () => {
    const firstPublish = Promise.withResolvers<void>();
    const release = Promise.withResolvers<void>();
    const published: string[] = [];
    const publisher: Publisher = {
      async publish(_topic, messages) {
        firstPublish.resolve();
        await release.promise;
        published.push(...messages.map((m) => m.id));
      },
      close: async () => undefined,
    };
    const store = createInMemoryOutboxStore();
    const [first] = store.add('t', [makeMessage('t', 0)]);
    // A poll interval far beyond the test timeout: only the kick given during the round can deliver in time.
    const relay = createOutboxRelay({ store, publisher, pollInterval: 3_600_000 });
    relay.start();
    await firstPublish.promise;
    const [second] = store.add('t', [makeMessage('t', 1)]);
    relay.kick();
    release.resolve();
    await waitFor(() => store.pending().length === 0);
    expect(published).toEqual([first?.message.id, second?.message.id]);
    await relay.stop();
  });

  it('finishes the batch in progress when stopped, then starts no other', async () => {
    const release = Promise.withResolvers<void>();
    const published: string[] = [];
    const publisher: Publisher = {
      async publish(_topic, messages) {
        await release.promise;
        published.push(...messages.map((m) => m.id));
      },
      close: async () => undefined,
    };
    const store = createInMemoryOutboxStore();
    store.add('t', [makeMessage('t', 0), makeMessage('t', 1)]);
    const relay = createOutboxRelay({ store, publisher, batchSize: 1, pollInterval: 10 });
    relay.start();
    await waitFor(() => relay.backlog() === 1);
    const stopping = relay.stop();
    release.resolve();
    await stopping;
    expect(published).toHaveLength(1);
    expect(store.pending()).toHaveLength(1);
    expect(relay.state).toBe('stopped');
  });

  it('rejects invalid options at construction', () => {
    const store = createInMemoryOutboxStore();
    const { publisher } = createInProcessBus();
    expect(() => createOutboxRelay({ store, publisher, batchSize: 0 })).toThrow('cannot create outbox relay: batchSize must be an integer >= 1, got 0');
    expect(() => createOutboxRelay({ store, publisher, backoff: { multiplier: 0 } })).toThrow('cannot create outbox relay: multiplier must be a finite number >= 1, got 0');
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2));
}
