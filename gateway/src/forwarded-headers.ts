import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { headerNames } from '@platform/runtime/http';

/**
 * Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus the proxy
 * credentials meant for this hop. A proxy never forwards them; Node adds its own framing.
 */
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * The end-to-end headers of a message (Node's `headersDistinct`), for the next hop: drops the
 * hop-by-hop ones and those the `Connection` header names; keeps repeated headers repeated.
 */
export function endToEndHeaders(headers: Readonly<Record<string, readonly string[] | undefined>>): OutgoingHttpHeaders {
  // Built only when a Connection header names something (runs on every proxied request and answer).
  const connection = headers.connection;
  const namedByConnection = connection === undefined ? undefined : new Set(connection.flatMap((value) => value.split(',')).map((token) => token.trim().toLowerCase()));
  const kept: OutgoingHttpHeaders = {};
  for (const name in headers) {
    const values = headers[name];
    if (values === undefined || values.length === 0 || hopByHop.has(name) || namedByConnection?.has(name)) continue;
    kept[name] = values.length === 1 ? values[0] : [...values];
  }
  return kept;
}

/**
 * The headers a proxied request goes upstream with: its end-to-end headers, the request id the
 * gateway settled on, and `X-Forwarded-For/Host/Proto` naming the caller. `Host` is the caller's;
 * each proxy sets the upstream's authority itself.
 */
export function forwardedRequestHeaders(req: IncomingMessage, requestId: string, protocol: string): OutgoingHttpHeaders {
  const headers = endToEndHeaders(req.headersDistinct);
  headers[headerNames.requestId] = requestId;
  headers['x-forwarded-for'] = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
  headers['x-forwarded-host'] = req.headers.host ?? '';
  headers['x-forwarded-proto'] = protocol;
  return headers;
}
