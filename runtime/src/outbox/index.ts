import { OutboxMessageSchema } from './outbox-entity.ts';
import { OutboxLeaseSchema } from './outbox-lease-entity.ts';

export { createDatabaseOutbox } from './database-outbox.ts';
export type { DatabaseOutbox, DatabaseOutboxOptions } from './database-outbox.ts';
export { OutboxMessage, OutboxMessageSchema } from './outbox-entity.ts';
export { OutboxLease, OutboxLeaseSchema } from './outbox-lease-entity.ts';
export { createOutboxLease, outboxLeaseStatements } from './outbox-lease.ts';
export type { OutboxLeaseHandle, OutboxLeaseOptions, OutboxLeaseStatements } from './outbox-lease.ts';

/** The entities of a service's outbox: its messages and its relay lease. */
export const outboxEntities = [OutboxMessageSchema, OutboxLeaseSchema] as const;
