export { createEventTransport } from './event-transport.ts';
export type { EventTransport, EventTransportKind, EventTransportOptions, QueueOptions } from './event-transport.ts';
export { createEventConsumer } from './event-consumer.ts';
export type { EventConsumer, EventConsumerOptions, EventRetryPolicy } from './event-consumer.ts';
export { createOutboxForwarder } from './outbox-forwarder.ts';
export type { OutboxForwarder, OutboxForwarderOptions } from './outbox-forwarder.ts';
