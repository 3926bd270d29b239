import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Message, Middleware, Publisher } from '../message.ts';
import { metadataKeys } from '../metadata.ts';

const storage = new AsyncLocalStorage<string>();

/** The correlation id of the work in progress (set by the middleware or `runWithCorrelationId`). */
export function currentCorrelationId(): string | undefined {
  return storage.getStore();
}

/** Runs `fn` with `id` as the current correlation id; for edges such as an HTTP request handler. */
export function runWithCorrelationId<T>(id: string, fn: () => T): T {
  return storage.run(id, fn);
}

/** Returns `message` carrying the current correlation id, unless it already has one (or none is current). */
export function withCorrelationId(message: Message): Message {
  const id = currentCorrelationId();
  if (id === undefined || message.metadata[metadataKeys.correlationId] !== undefined) return message;
  return { ...message, metadata: { ...message.metadata, [metadataKeys.correlationId]: id } };
}

/** Options of the correlation middleware. */
export interface CorrelationOptions {
  /** Makes an id for a message that arrives without one. Default: `crypto.randomUUID`. */
  readonly generate?: () => string;
}

/**
 * Makes the message's correlation id current while the handler runs, generating one only
 * when the message has none. Publishers wrapped by `createCorrelatingPublisher`, and
 * anything calling `withCorrelationId`, copy it onto the messages produced downstream.
 */
export function createCorrelationMiddleware(options: CorrelationOptions = {}): Middleware {
  const generate = options.generate ?? randomUUID;
  return (next) => (message) => {
    const existing = message.metadata[metadataKeys.correlationId];
    const id = existing ?? generate();
    const inbound = existing === undefined ? { ...message, metadata: { ...message.metadata, [metadataKeys.correlationId]: id } } : message;
    return storage.run(id, () => next(inbound));
  };
}

/** Wraps a publisher so every message without a correlation id gets the current one. */
export function createCorrelatingPublisher(publisher: Publisher): Publisher {
  return {
    publish: (topic, messages) => publisher.publish(topic, messages.map(withCorrelationId)),
    close: () => publisher.close(),
  };
}
