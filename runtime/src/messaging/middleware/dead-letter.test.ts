import { describe, expect, it } from 'vitest';
import { AppError, errorCodes } from '../../errors/index.ts';
import { createInProcessBus } from '../in-process.ts';
import { applyMiddleware } from '../message.ts';
import { metadataKeys } from '../metadata.ts';
import { createInbox, makeMessage } from '../test-support.ts';
import { createDeadLetterMiddleware } from './dead-letter.ts';
import { createRetryMiddleware } from './retry.ts';

describe('dead-letter middleware', () => {
  it('publishes a finally failed message with reason, code and attempts, then resolves', async () => {
    const bus = createInProcessBus();
    const dlq = createInbox();
    await bus.createSubscriber({ queue: 'dlq' }).subscribe('dlq', dlq.handler);
    const handler = applyMiddleware(
      async () => {
        throw new AppError(errorCodes.unavailable, 'cannot save platform: database down');
      },
      createDeadLetterMiddleware({ publisher: bus.publisher, topic: 'dlq' }),
      createRetryMiddleware({ maxRetries: 2, initialInterval: 1 }),
    );
    const sent = makeMessage('t', 0);
    await handler(sent);
    await dlq.until((received) => received.length === 1);
    const [deadLetter] = dlq.received;
    expect(deadLetter?.id).toBe(sent.id);
    expect(deadLetter?.payload).toEqual(sent.payload);
    expect(deadLetter?.metadata).toMatchObject({
      ...sent.metadata,
      [metadataKeys.deadLetterReason]: 'cannot save platform: database down',
      [metadataKeys.deadLetterCode]: errorCodes.unavailable,
      [metadataKeys.deadLetterAttempts]: '3',
    });
    await bus.close();
  });

  it('records code internal and one attempt for a plain error without retry', async () => {
    const bus = createInProcessBus();
    const dlq = createInbox();
    await bus.createSubscriber({ queue: 'dlq' }).subscribe('dlq', dlq.handler);
    const handler = createDeadLetterMiddleware({ publisher: bus.publisher, topic: 'dlq' })(async () => {
      throw new Error('boom');
    });
    await handler(makeMessage('t', 0));
    await dlq.until((received) => received.length === 1);
    expect(dlq.received[0]?.metadata).toMatchObject({ [metadataKeys.deadLetterCode]: 'internal', [metadataKeys.deadLetterAttempts]: '1', [metadataKeys.deadLetterReason]: 'boom' });
    await bus.close();
  });

  it('rejects, so the transport requeues the original, when the dead letter cannot be published', async () => {
    const bus = createInProcessBus();
    await bus.close();
    const original = new AppError(errorCodes.poisonMessage, 'cannot parse payload');
    const handler = createDeadLetterMiddleware({ publisher: bus.publisher, topic: 'dlq' })(async () => {
      throw original;
    });
    const error = await handler(makeMessage('t', 0)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: errorCodes.unavailable, cause: original });
    expect((error as Error).message).toMatch(/^cannot dead-letter message /);
  });

  it('does nothing when the handler succeeds', async () => {
    let published = 0;
    const publisher = { publish: async () => void published++, close: async () => undefined };
    await createDeadLetterMiddleware({ publisher, topic: 'dlq' })(async () => undefined)(makeMessage('t', 0));
    expect(published).toBe(0);
  });

  it('rejects invalid options at construction', () => {
    const publisher = createInProcessBus().publisher;
    expect(() => createDeadLetterMiddleware({ publisher, topic: '' })).toThrow('cannot create dead-letter middleware: topic must be a non-empty string');
    expect(() => createDeadLetterMiddleware({ publisher, topic: 'dlq', maxReasonLength: 0 })).toThrow(AppError);
  });
});
