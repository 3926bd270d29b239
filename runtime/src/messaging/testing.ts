/** `@platform/runtime/messaging/testing`: test-only pieces of the messaging layer. Not for production code. */
export { createInMemoryOutboxStore } from './in-memory-outbox-store.ts';
export type { InMemoryOutboxStore } from './in-memory-outbox-store.ts';
