import { describe, expect, it } from 'vitest';
import { createInProcessBus } from '../in-process.ts';
import type { Message } from '../message.ts';
import { metadataKeys } from '../metadata.ts';
import { createInbox, makeMessage } from '../test-support.ts';
import { createCorrelatingPublisher, createCorrelationMiddleware, currentCorrelationId, runWithCorrelationId, withCorrelationId } from './correlation.ts';

const withoutCorrelation = (message: Message): Message => {
  const { [metadataKeys.correlationId]: _, ...metadata } = message.metadata;
  return { ...message, metadata };
};

describe('correlation middleware', () => {
  it('keeps the correlation id a message already has', async () => {
    const message = makeMessage('t', 0);
    let seen: string | undefined;
    await createCorrelationMiddleware({ generate: () => 'generated' })(async (m) => {
      seen = currentCorrelationId();
      expect(m.metadata[metadataKeys.correlationId]).toBe(seen);
    })(message);
    expect(seen).toBe(message.metadata[metadataKeys.correlationId]);
  });

  it('sets a generated correlation id only when the message has none', async () => {
    let inbound: Message | undefined;
    await createCorrelationMiddleware({ generate: () => 'generated' })(async (m) => {
      inbound = m;
    })(withoutCorrelation(makeMessage('t', 0)));
    expect(inbound?.metadata[metadataKeys.correlationId]).toBe('generated');
  });

  it('copies the correlation id onto messages published downstream, after awaits', async () => {
    const bus = createInProcessBus();
    const downstream = createInbox();
    await bus.createSubscriber({ queue: 'downstream' }).subscribe('downstream', downstream.handler);
    const publisher = createCorrelatingPublisher(bus.publisher);
    const inbound = makeMessage('t', 0);
    await createCorrelationMiddleware()(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      await publisher.publish('downstream', [withoutCorrelation(makeMessage('downstream', 1)), makeMessage('downstream', 2)]);
    })(inbound);
    await downstream.until((received) => received.length === 2);
    expect(downstream.received[0]?.metadata[metadataKeys.correlationId]).toBe(inbound.metadata[metadataKeys.correlationId]);
    expect(downstream.received[1]?.metadata[metadataKeys.correlationId]).not.toBe(inbound.metadata[metadataKeys.correlationId]);
    await bus.close();
  });

  it('lets an edge set the id for everything it causes', () => {
    const message = withoutCorrelation(makeMessage('t', 0));
    expect(withCorrelationId(message)).toBe(message);
    const stamped = runWithCorrelationId('request-42', () => withCorrelationId(message));
    expect(stamped.metadata[metadataKeys.correlationId]).toBe('request-42');
  });
});
