/**
 * Fields every log line written while a message or an RPC is handled carries (its request id and
 * trace id), kept in an AsyncLocalStorage so a handler's own logger needs no per-call child.
 * createLogger's mixin reads them; REST requests bind theirs in the request's child logger instead.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export type LogFields = Readonly<Record<string, string>>;

const storage = new AsyncLocalStorage<LogFields>();

/** Runs `fn` with `fields` added to every log line it writes. */
export function runWithLogFields<T>(fields: LogFields, fn: () => T): T {
  return storage.run(fields, fn);
}

/** The fields of the work in progress, as a new object (pino's mixin merges the line into it); empty outside any. */
export function currentLogFields(): Record<string, string> {
  const fields = storage.getStore();
  return fields === undefined ? {} : { ...fields };
}
