import type { Message } from './message.ts';

/** One message written to the outbox in the same transaction as the change it announces. */
export interface OutboxRecord {
  /** Store-assigned, increasing in write order. */
  readonly id: string | number;
  readonly topic: string;
  readonly message: Message;
}

/** The outbox table as the relay sees it; the service's DB-backed store implements it. */
export interface OutboxStore {
  /** Up to `limit` records not yet marked sent, oldest first. */
  fetchPending(limit: number): Promise<readonly OutboxRecord[]>;
  /** Marks records sent; they are never fetched again. */
  markSent(ids: readonly OutboxRecord['id'][]): Promise<void>;
}
