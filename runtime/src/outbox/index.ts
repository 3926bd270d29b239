export { createDatabaseOutbox } from './database-outbox.ts';
export type { DatabaseOutbox, DatabaseOutboxOptions } from './database-outbox.ts';
export { OutboxMessage, OutboxMessageSchema } from './outbox-entity.ts';
