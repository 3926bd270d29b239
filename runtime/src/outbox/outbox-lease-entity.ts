/**
 * The outbox relay's lease: one row per relayed outbox, naming the relay that may publish it and
 * until when (epoch milliseconds on the database's clock). A service that relays its outbox lists
 * this entity beside `OutboxMessageSchema`, so its schema and migrations create the table.
 */
import { defineEntity, p } from '@mikro-orm/core';

export const OutboxLeaseSchema = defineEntity({
  name: 'OutboxLease',
  tableName: 'outbox_leases',
  properties: {
    /** Which outbox the lease guards (one per service database: `outbox-relay`). */
    name: p.string().length(100).primary(),
    /** The relay holding it (a unique id per process). */
    holder: p.string().length(100),
    /** Until when it holds, in epoch milliseconds on the database clock; an expired lease may be taken. */
    expiresAt: p.bigint('number'),
  },
});

export class OutboxLease extends OutboxLeaseSchema.class {}
OutboxLeaseSchema.setClass(OutboxLease);
