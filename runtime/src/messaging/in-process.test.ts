import { describe, expect, it } from 'vitest';
import { AppError, errorCodes } from '../errors/index.ts';
import { createInProcessBus } from './in-process.ts';
import { describePubSubConformance } from './pubsub.conformance.ts';
import { metadataKeys } from './metadata.ts';
import { createInbox, makeMessage } from './test-support.ts';

describePubSubConformance('in-process bus', async () => {
  const bus = createInProcessBus({ redeliveryDelay: 1 });
  return {
    publisher: bus.publisher,
    newSubscriber: () => bus.createSubscriber({ queue: 'conformance' }),
    cleanup: () => bus.close(),
  };
});

describe('in-process bus', () => {
  it('never delivers inside publish', async () => {
    const bus = createInProcessBus();
    const inbox = createInbox();
    await bus.createSubscriber({ queue: 't' }).subscribe('t', inbox.handler);
    const publishing = bus.publisher.publish('t', [makeMessage('t', 0)]);
    expect(inbox.received).toHaveLength(0);
    await publishing;
    expect(inbox.received).toHaveLength(0);
    await inbox.until((received) => received.length === 1);
    await bus.close();
  });

  it('moves a message rejected maxDeliveries times to the dead-letter list with the reason', async () => {
    const bus = createInProcessBus({ maxDeliveries: 3, redeliveryDelay: 0 });
    let deliveries = 0;
    await bus.createSubscriber({ queue: 't' }).subscribe('t', async () => {
      deliveries++;
      throw new AppError(errorCodes.poisonMessage, 'cannot handle message: payload is not JSON');
    });
    const sent = makeMessage('t', 0);
    await bus.publisher.publish('t', [sent]);
    await waitFor(() => bus.deadLetters().length === 1);
    expect(deliveries).toBe(3);
    expect(bus.deadLetters()[0]).toMatchObject({
      topic: 't',
      queue: 't',
      reason: 'cannot handle message: payload is not JSON',
      code: errorCodes.poisonMessage,
      attempts: 3,
      message: { id: sent.id },
    });
    await bus.close();
  });

  it('flags a redelivery, and never publishes the flag of the delivery a message came with', async () => {
    const bus = createInProcessBus({ redeliveryDelay: 0 });
    const seen: (string | undefined)[] = [];
    await bus.createSubscriber({ queue: 't' }).subscribe('t', async (message) => {
      seen.push(message.metadata[metadataKeys.redelivered]);
      if (seen.length === 1) throw new Error('first delivery fails');
      await bus.deadLetterPublisher.publish('t.dlq', [message]);
    });
    const sent = makeMessage('t', 0);
    await bus.publisher.publish('t', [{ ...sent, metadata: { ...sent.metadata, [metadataKeys.redelivered]: 'true' } }]);
    await waitFor(() => bus.deadLetters().length === 1);
    expect(seen).toEqual([undefined, 'true']);
    expect(bus.deadLetters()[0]?.message.metadata).toEqual(sent.metadata);
    await bus.close();
  });

  it('keeps messages published before the first subscription', async () => {
    const bus = createInProcessBus();
    const sent = [makeMessage('t', 0), makeMessage('t', 1)];
    await bus.publisher.publish('t', sent);
    const inbox = createInbox();
    await bus.createSubscriber({ queue: 't' }).subscribe('t', inbox.handler);
    await inbox.until((received) => received.length === 2);
    expect(inbox.received.map((m) => m.id)).toEqual(sent.map((m) => m.id));
    await bus.close();
  });

  it('gives every queue subscribed to a topic its own copy', async () => {
    const bus = createInProcessBus();
    const a = createInbox();
    const b = createInbox();
    await bus.createSubscriber({ queue: 'a' }).subscribe('t', a.handler);
    await bus.createSubscriber({ queue: 'b' }).subscribe('t', b.handler);
    const sent = makeMessage('t', 0);
    await bus.publisher.publish('t', [sent]);
    await a.until((received) => received.length === 1);
    await b.until((received) => received.length === 1);
    expect(a.received[0]).not.toBe(b.received[0]);
    expect(b.received[0]?.id).toBe(sent.id);
    await bus.close();
  });

  it('keeps-what-the-dead-letter-publisher-receives-with-its-reason', async () => {
    const bus = createInProcessBus();
    const sent = makeMessage('t', 0);
    const deadLetter = {
      ...sent,
      metadata: { ...sent.metadata, [metadataKeys.deadLetterReason]: 'cannot handle t: /id is required', [metadataKeys.deadLetterCode]: errorCodes.poisonMessage, [metadataKeys.deadLetterAttempts]: '1' },
    };
    await bus.deadLetterPublisher.publish('orders.dlq', [deadLetter]);
    expect(bus.deadLetters()).toMatchObject([{ topic: 'orders.dlq', reason: 'cannot handle t: /id is required', code: errorCodes.poisonMessage, attempts: 1, message: { id: sent.id } }]);
    await bus.close();
  });

  it('delivers-messages-published-before-a-queue-bound-a-matching-pattern', async () => {
    const bus = createInProcessBus();
    const early = [makeMessage('orders.created', 0), makeMessage('orders.deleted', 1), makeMessage('other', 2)];
    for (const message of early) await bus.publisher.publish(message.metadata[metadataKeys.type] as string, [message]);
    const inbox = createInbox();
    await bus.createSubscriber({ queue: 'orders' }).subscribe('orders.*', inbox.handler);
    await inbox.until((received) => received.length === 2);
    expect(inbox.received.map((m) => m.id)).toEqual([early[0]!.id, early[1]!.id]);
    await bus.close();
  });

  it('refuses to publish once closed', async () => {
    const bus = createInProcessBus();
    await bus.close();
    await expect(bus.publisher.publish('t', [makeMessage('t', 0)])).rejects.toMatchObject({ code: errorCodes.unavailable });
  });

  it('rejects invalid options at construction', () => {
    expect(() => createInProcessBus({ maxDeliveries: 0 })).toThrow('cannot create in-process bus: maxDeliveries must be an integer >= 1, got 0');
    expect(() => createInProcessBus({ redeliveryDelay: -1 })).toThrow(AppError);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
