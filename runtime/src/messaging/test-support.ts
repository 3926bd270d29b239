import { randomUUID } from 'node:crypto';
import type { Handler, Message } from './message.ts';
import { metadataKeys } from './metadata.ts';

/* Helpers shared by the messaging and AMQP tests; not part of the runtime's API. */

/** A JSON message with every kind of metadata key, for round-trip checks. */
export function makeMessage(topic: string, index: number): Message {
  return {
    id: randomUUID(),
    payload: new TextEncoder().encode(JSON.stringify({ index, name: `message ${index}` })),
    metadata: {
      [metadataKeys.contentType]: 'application/json',
      [metadataKeys.type]: topic,
      [metadataKeys.appId]: 'conformance',
      // Whole seconds: AMQP carries timestamps in seconds.
      [metadataKeys.timestamp]: String(Math.floor(Date.now() / 1000) * 1000),
      [metadataKeys.correlationId]: randomUUID(),
      [metadataKeys.traceparent]: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      'x-custom': `value ${index}`,
    },
  };
}

/** Collects handled messages and lets a test wait for a condition on them. */
export interface Inbox {
  readonly received: Message[];
  readonly handler: Handler;
  /** Resolves once `done` holds; re-checked on every delivery to this inbox (and to `others`). */
  until(done: (received: readonly Message[]) => boolean, ...others: Inbox[]): Promise<void>;
}

/** Creates an inbox; `process` runs before a message counts as received (throw to reject it). */
export function createInbox(process?: (message: Message) => Promise<void>): Inbox {
  const received: Message[] = [];
  const listeners = new Set<() => void>();
  const inbox: Inbox & { listeners: Set<() => void> } = {
    received,
    listeners,
    async handler(message) {
      await process?.(message);
      received.push(message);
      for (const listener of listeners) listener();
    },
    until(done, ...others) {
      return new Promise((resolve) => {
        const check = (): void => {
          if (!done(received)) return;
          for (const box of [inbox, ...others] as (typeof inbox)[]) box.listeners.delete(check);
          resolve();
        };
        for (const box of [inbox, ...others] as (typeof inbox)[]) box.listeners.add(check);
        check();
      });
    },
  };
  return inbox;
}
