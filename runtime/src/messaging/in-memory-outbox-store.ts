import type { Message } from './message.ts';
import type { OutboxRecord, OutboxStore } from './outbox-store.ts';

/** An OutboxStore in memory, for tests and the single-process development mode. */
export interface InMemoryOutboxStore extends OutboxStore {
  /** Appends messages, as a service would inside its DB transaction; returns their records. */
  add(topic: string, messages: readonly Message[]): readonly OutboxRecord[];
  /** Records not yet marked sent, oldest first. */
  pending(): readonly OutboxRecord[];
}

/** Creates an empty in-memory outbox with increasing numeric ids. */
export function createInMemoryOutboxStore(): InMemoryOutboxStore {
  const records: OutboxRecord[] = [];
  const sent = new Set<OutboxRecord['id']>();
  let nextId = 1;
  const pending = (): OutboxRecord[] => records.filter((record) => !sent.has(record.id));
  return {
    add(topic, messages) {
      const added = messages.map((message) => ({ id: nextId++, topic, message }));
      records.push(...added);
      return added;
    },
    pending,
    async fetchPending(limit) {
      return pending().slice(0, limit);
    },
    async markSent(ids) {
      for (const id of ids) sent.add(id);
    },
  };
}
