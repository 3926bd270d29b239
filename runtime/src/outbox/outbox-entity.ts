/**
 * One outbox row: a complete message (id, topic, payload bytes, metadata) written in the same
 * transaction as the change it announces, published by the relay and then stamped `sentAt`.
 * A service that publishes through the outbox lists this entity among its own, so its schema
 * and migrations create the table.
 */
import { defineEntity, p } from '@mikro-orm/core';

export const OutboxMessageSchema = defineEntity({
  name: 'OutboxMessage',
  tableName: 'outbox_messages',
  properties: {
    // Increasing in insert order: the relay publishes by ascending id.
    id: p.bigint('number').primary().autoincrement(),
    /** The publisher's topic (AMQP routing key). */
    topic: p.string().length(255),
    /** `Message.id`, the AMQP messageId; kept when a row is published again. */
    messageId: p.string().length(64).unique(),
    payload: p.blob(),
    metadata: p.json<Record<string, string>>(),
    createdAt: p.datetime().onCreate(() => new Date()),
    /** Set once the broker confirmed the message; null while pending. */
    sentAt: p.datetime().nullable().index(),
  },
});

export class OutboxMessage extends OutboxMessageSchema.class {}
OutboxMessageSchema.setClass(OutboxMessage);
