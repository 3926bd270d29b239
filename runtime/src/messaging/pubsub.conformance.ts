import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Message, Publisher, Subscriber } from './message.ts';
import { metadataKeys } from './metadata.ts';
import { routeByType } from './route-by-type.ts';
import { createInbox, makeMessage } from './test-support.ts';

/** One transport under test, fresh for each test. */
export interface PubSubFixture {
  readonly publisher: Publisher;
  /** A new subscriber on the fixture's one subscription (queue): subscribers of one fixture compete. */
  newSubscriber(): Subscriber;
  /** Releases what the fixture created (subscribers the test left open, queues, connections). */
  cleanup(): Promise<void>;
}

/** Tuning of the suite. */
export interface PubSubConformanceOptions {
  /** Per-test timeout in milliseconds. Default 30_000. */
  readonly timeout?: number;
  /** Messages of the many-messages test. Default 1_000. */
  readonly manyMessages?: number;
}

/** A message of `type` (its metadata `type`), published to the topic of the same name. */
function typed(type: string, index: number): Message {
  const message = makeMessage(type, index);
  return { ...message, metadata: { ...message.metadata, [metadataKeys.type]: type } };
}

/**
 * Registers the Publisher/Subscriber contract tests (after Watermill's pubsub tests) for one
 * transport. `createFixture(topic)` is called once per test with a fresh topic; tests that need
 * several topics use `<topic>.<word>` (the fixture's queue may be bound to any of them).
 */
export function describePubSubConformance(
  name: string,
  createFixture: (topic: string) => Promise<PubSubFixture>,
  options: PubSubConformanceOptions = {},
): void {
  const timeout = options.timeout ?? 30_000;
  const many = options.manyMessages ?? 1_000;
  const withFixture = (body: (fixture: PubSubFixture, topic: string) => Promise<void>) => async () => {
    const topic = `conformance.${randomUUID()}`;
    const fixture = await createFixture(topic);
    try {
      await body(fixture, topic);
    } finally {
      await fixture.cleanup();
    }
  };

  describe(`${name} pub/sub conformance`, { timeout }, () => {
    it('delivers a published message with its payload and metadata', withFixture(async ({ publisher, newSubscriber }, topic) => {
      const inbox = createInbox();
      await newSubscriber().subscribe(topic, inbox.handler);
      const sent = makeMessage(topic, 0);
      await publisher.publish(topic, [sent]);
      await inbox.until((received) => received.length === 1);
      const [received] = inbox.received;
      expect(received?.id).toBe(sent.id);
      expect(new TextDecoder().decode(received?.payload)).toBe(new TextDecoder().decode(sent.payload));
      expect(received?.metadata).toMatchObject(sent.metadata);
    }));

    it('does not deliver a message again once its handler resolved', withFixture(async ({ publisher, newSubscriber }, topic) => {
      const first = createInbox();
      const subscriber = newSubscriber();
      await subscriber.subscribe(topic, first.handler);
      const acked = makeMessage(topic, 0);
      await publisher.publish(topic, [acked]);
      await first.until((received) => received.length === 1);
      await subscriber.close();
      const second = createInbox();
      await newSubscriber().subscribe(topic, second.handler);
      const sentinel = makeMessage(topic, 1);
      await publisher.publish(topic, [sentinel]);
      await second.until((received) => received.some((m) => m.id === sentinel.id));
      expect(second.received.map((m) => m.id)).toEqual([sentinel.id]);
    }));

    it('redelivers a message whose handler rejected, losing nothing', withFixture(async ({ publisher, newSubscriber }, topic) => {
      const deliveries = new Map<string, number>();
      const handled = new Set<string>();
      const flags: string[] = [];
      const inbox = createInbox(async (message) => {
        const count = (deliveries.get(message.id) ?? 0) + 1;
        deliveries.set(message.id, count);
        flags.push(`${count === 1 ? 'first' : 'again'}:${message.metadata[metadataKeys.redelivered] ?? 'absent'}`);
        if (count === 1) throw new Error('first delivery fails');
        handled.add(message.id);
      });
      await newSubscriber().subscribe(topic, inbox.handler);
      const sent = [0, 1, 2].map((i) => makeMessage(topic, i));
      await publisher.publish(topic, sent);
      await inbox.until(() => sent.every((m) => handled.has(m.id)));
      for (const message of sent) expect(deliveries.get(message.id)).toBeGreaterThanOrEqual(2);
      // The transport flags its redeliveries (metrics count them), and only them.
      expect(new Set(flags)).toEqual(new Set(['first:absent', 'again:true']));
    }));

    it(`delivers ${many} messages exactly once when nothing fails`, withFixture(async ({ publisher, newSubscriber }, topic) => {
      const inbox = createInbox();
      await newSubscriber().subscribe(topic, inbox.handler);
      const sent = Array.from({ length: many }, (_, i) => makeMessage(topic, i));
      for (let i = 0; i < sent.length; i += 250) await publisher.publish(topic, sent.slice(i, i + 250));
      await inbox.until((received) => new Set(received.map((m) => m.id)).size === many);
      const sentinel = makeMessage(topic, many);
      await publisher.publish(topic, [sentinel]);
      await inbox.until((received) => received.some((m) => m.id === sentinel.id));
      expect(inbox.received).toHaveLength(many + 1);
      expect(new Set(inbox.received.map((m) => m.id))).toEqual(new Set([...sent, sentinel].map((m) => m.id)));
    }));

    it('shares one subscription between competing subscribers without loss', withFixture(async ({ publisher, newSubscriber }, topic) => {
      const slowly = async (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 2));
      const a = createInbox(slowly);
      const b = createInbox(slowly);
      await newSubscriber().subscribe(topic, a.handler);
      await newSubscriber().subscribe(topic, b.handler);
      const sent = Array.from({ length: 200 }, (_, i) => makeMessage(topic, i));
      await publisher.publish(topic, sent);
      const all = (): Message[] => [...a.received, ...b.received];
      await a.until(() => new Set(all().map((m) => m.id)).size === sent.length, b);
      expect(a.received.length).toBeGreaterThan(0);
      expect(b.received.length).toBeGreaterThan(0);
      expect(all()).toHaveLength(sent.length);
    }));

    it('carries several message types on one queue, each to the handler of its type', withFixture(async ({ publisher, newSubscriber }, topic) => {
      const [created, updated, deleted] = ['created', 'updated', 'deleted'].map((word) => `${topic}.${word}`) as [string, string, string];
      const inboxes = { [created]: createInbox(), [updated]: createInbox(), [deleted]: createInbox() };
      await newSubscriber().subscribe(
        [created, updated, deleted],
        routeByType(Object.fromEntries(Object.entries(inboxes).map(([type, inbox]) => [type, inbox.handler]))),
      );
      const sent = [typed(created, 0), typed(updated, 1), typed(updated, 2), typed(deleted, 3), typed(created, 4)];
      for (const message of sent) await publisher.publish(message.metadata[metadataKeys.type] as string, [message]);
      const all = Object.values(inboxes);
      const total = (): number => all.reduce((sum, inbox) => sum + inbox.received.length, 0);
      await all[0]!.until(() => total() === sent.length, ...all.slice(1));
      for (const [type, inbox] of Object.entries(inboxes)) {
        expect(inbox.received.map((m) => m.id)).toEqual(sent.filter((m) => m.metadata[metadataKeys.type] === type).map((m) => m.id));
      }
    }));

    it('binds topic patterns as an AMQP topic exchange does', withFixture(async ({ publisher, newSubscriber }, topic) => {
      const inbox = createInbox();
      await newSubscriber().subscribe([`${topic}.one.*`, `${topic}.many.#`], inbox.handler);
      const matching = [makeMessage(`${topic}.one.a`, 0), makeMessage(`${topic}.many`, 1), makeMessage(`${topic}.many.b.c`, 2)];
      const other = [makeMessage(`${topic}.one`, 3), makeMessage(`${topic}.one.a.b`, 4), makeMessage(`${topic}.other`, 5)];
      for (const message of [...other, ...matching]) await publisher.publish(message.metadata[metadataKeys.type] as string, [message]);
      const sentinel = makeMessage(`${topic}.one.z`, 6);
      await publisher.publish(`${topic}.one.z`, [sentinel]);
      await inbox.until((received) => received.some((m) => m.id === sentinel.id));
      expect(inbox.received.map((m) => m.id).toSorted()).toEqual([...matching, sentinel].map((m) => m.id).toSorted());
    }));

    it('refuses a second subscription of its queue to other topics', withFixture(async ({ newSubscriber }, topic) => {
      const subscriber = newSubscriber();
      await subscriber.subscribe([`${topic}.a`, `${topic}.b`], async () => undefined);
      await subscriber.subscribe([`${topic}.b`, `${topic}.a`], async () => undefined);
      await expect(subscriber.subscribe([`${topic}.a`], async () => undefined)).rejects.toMatchObject({ code: 'invalid_argument' });
    }));

    it('waits for the handler in flight when a subscription closes', withFixture(async ({ publisher, newSubscriber }, topic) => {
      const events: string[] = [];
      const release = Promise.withResolvers<void>();
      const started = Promise.withResolvers<void>();
      const subscriber = newSubscriber();
      const subscription = await subscriber.subscribe(topic, async () => {
        events.push('handler started');
        started.resolve();
        await release.promise;
        events.push('handler finished');
      });
      await publisher.publish(topic, [makeMessage(topic, 0)]);
      await started.promise;
      const closing = subscription.close().then(() => events.push('subscription closed'));
      await new Promise((resolve) => setTimeout(resolve, 50));
      events.push('handler released');
      release.resolve();
      await closing;
      expect(events).toEqual(['handler started', 'handler released', 'handler finished', 'subscription closed']);
      await subscriber.close();
      const after = createInbox();
      await newSubscriber().subscribe(topic, after.handler);
      const sentinel = makeMessage(topic, 1);
      await publisher.publish(topic, [sentinel]);
      await after.until((received) => received.some((m) => m.id === sentinel.id));
      expect(after.received.map((m) => m.id)).toEqual([sentinel.id]);
    }));
  });
}
