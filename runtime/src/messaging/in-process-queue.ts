import type { Handler, Message } from './message.ts';
import { metadataKeys } from './metadata.ts';

/** One message waiting in, or delivered from, an in-process queue. */
export interface QueuedMessage {
  readonly topic: string;
  readonly message: Message;
  /** Deliveries so far, the current one included. */
  deliveries: number;
}

/** What a queue does with messages its handlers reject. */
export interface QueuePolicy {
  readonly maxDeliveries: number;
  readonly redeliveryDelay: number;
  /** Called once a message was rejected `maxDeliveries` times; the queue forgets it. */
  readonly deadLetter: (entry: QueuedMessage, error: unknown) => void;
}

/** A named in-memory queue with competing consumers, one message in hand per consumer. */
export interface InProcessQueue {
  readonly name: string;
  /** Topic patterns the queue is bound to: it receives every message of a matching topic. */
  readonly topics: readonly string[];
  push(entries: readonly QueuedMessage[]): void;
  /** Adds a competing consumer; the returned function removes it and waits for its message in hand. */
  consume(handler: Handler): () => Promise<void>;
  /** Cancels pending redeliveries (the bus is closing). */
  stop(): void;
}

interface Consumer { readonly handler: Handler; busy: Promise<void> | undefined }

/** The message as delivered: flagged `redelivered: 'true'` after its first delivery, as AMQP flags it. */
function asDelivered(message: Message, redelivered: boolean): Message {
  return redelivered ? { ...message, metadata: { ...message.metadata, [metadataKeys.redelivered]: 'true' } } : message;
}

/** Creates a queue; delivery always happens on a later turn of the event loop. */
export function createInProcessQueue(name: string, topics: readonly string[], policy: QueuePolicy): InProcessQueue {
  const entries: QueuedMessage[] = [];
  const consumers: Consumer[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let turn = 0;
  let scheduled = false;

  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      dispatch();
    });
  };

  // Round robin over idle consumers, so competing consumers share the load.
  const dispatch = (): void => {
    while (entries.length > 0) {
      const index = consumers.findIndex((_, i) => consumers[(turn + i) % consumers.length]?.busy === undefined);
      if (index < 0) return;
      const position = (turn + index) % consumers.length;
      turn = position + 1;
      deliver(consumers[position] as Consumer, entries.shift() as QueuedMessage);
    }
  };

  const deliver = (consumer: Consumer, entry: QueuedMessage): void => {
    entry.deliveries++;
    const message = asDelivered(entry.message, entry.deliveries > 1);
    consumer.busy = Promise.resolve()
      .then(() => consumer.handler(message))
      .then(undefined, (error: unknown) => rejected(entry, error))
      .then(() => {
        consumer.busy = undefined;
        schedule();
      });
  };

  const rejected = (entry: QueuedMessage, error: unknown): void => {
    if (entry.deliveries >= policy.maxDeliveries) return policy.deadLetter(entry, error);
    const timer = setTimeout(() => {
      timers.delete(timer);
      entries.unshift(entry);
      schedule();
    }, policy.redeliveryDelay);
    timers.add(timer);
  };

  return {
    name,
    topics,
    push(added) {
      entries.push(...added);
      schedule();
    },
    consume(handler) {
      const consumer: Consumer = { handler, busy: undefined };
      consumers.push(consumer);
      schedule();
      return async () => {
        const index = consumers.indexOf(consumer);
        if (index >= 0) consumers.splice(index, 1);
        await consumer.busy;
      };
    },
    stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
