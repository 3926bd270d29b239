import { headerNames } from './headers.ts';

/** version-traceid-parentid-flags, lower-case hex (W3C Trace Context, level 1). */
const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const allZeros = /^0+$/;

/**
 * The request's W3C `traceparent` when it is well-formed (version not `ff`, trace and parent ids
 * not all zeros), so it can travel on what the request causes (events); otherwise undefined.
 * A malformed header is dropped rather than passed on, as the specification asks.
 */
export function traceparentFrom(headers: Readonly<Record<string, string | string[] | undefined>>): string | undefined {
  const value = headers[headerNames.traceparent];
  if (typeof value !== 'string') return undefined;
  const match = traceparentPattern.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, parentId] = match as unknown as [string, string, string, string];
  if (version === 'ff' || allZeros.test(traceId) || allZeros.test(parentId)) return undefined;
  return match[0];
}
