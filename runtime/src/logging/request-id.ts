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

/** The caller's `x-request-id` when it is a sane token, otherwise a new id. */
export function requestIdFrom(headers: IncomingHeaders): string {
  const raw = headers instanceof Headers ? headers.get(headerNames.requestId) : headers[headerNames.requestId];
  const candidate = typeof raw === 'string' ? raw : raw?.[0];
  return candidate !== undefined && candidate !== null && saneRequestId.test(candidate) ? candidate : newRequestId();
}
