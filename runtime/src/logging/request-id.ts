import { randomUUID } from 'node:crypto';
import { headerNames } from '../http/index.ts';

/** Incoming headers as Node (`req.headers`) or fetch (`Headers`) present them. */
export type IncomingHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * A request id we accept from a caller: 1 to 128 characters of letters, digits and `._:+=/-`,
 * starting with a letter or digit. Anything else (spaces, quotes, control characters, very long
 * values) could forge log lines or bloat them, so it is replaced by a fresh id.
 */
const saneRequestId = /^[A-Za-z0-9][A-Za-z0-9._:+=/-]{0,127}$/;

/** A new request id (a random UUID). */
export function newRequestId(): string {
  return randomUUID();
}

/**
 * Whether `headers` is a fetch `Headers` (its `get` is a method; a header named `get` in Node's
 * record is a string). Not `instanceof Headers`: reading the global `Headers` loads Node's fetch
 * implementation (undici), which a part serving only Node's HTTP never needs (issue 18, idle RSS).
 */
const isFetchHeaders = (headers: IncomingHeaders): headers is Headers => typeof headers.get === 'function';

/** The caller's `x-request-id` when it is a sane token, otherwise a new id. */
export function requestIdFrom(headers: IncomingHeaders): string {
  const raw = isFetchHeaders(headers) ? headers.get(headerNames.requestId) : headers[headerNames.requestId];
  const candidate = typeof raw === 'string' ? raw : raw?.[0];
  return candidate !== undefined && candidate !== null && saneRequestId.test(candidate) ? candidate : newRequestId();
}
