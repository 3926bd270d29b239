import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

/** Statuses whose responses have no body, whatever the server sent. */
const nullBodyStatuses = new Set([101, 103, 204, 205, 304]);

function headersOf(response: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

/**
 * `fetch` for calls between our services, over node:http(s). Node's global fetch follows the
 * Fetch standard's "bad port" list and refuses ports such as 6000 (X11), which is
 * commands-service's contract port, with `TypeError: fetch failed: bad port`. This one sends the
 * request as given: no bad-port list, no redirects followed, no cookies; the response body streams.
 */
export async function nodeFetch(input: Request | URL | string, init?: RequestInit): Promise<Response> {
  const request = input instanceof Request && init === undefined ? input : new Request(input, init);
  const url = new URL(request.url);
  const send = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : undefined;
  if (!send) throw new TypeError(`cannot fetch ${url.href}: only http and https are supported`);
  request.signal.throwIfAborted();
  const body = request.body === null ? undefined : Buffer.from(await request.arrayBuffer());
  const headers: Record<string, string> = Object.fromEntries(request.headers);
  if (body !== undefined) headers['content-length'] = String(body.length);
  return new Promise<Response>((resolve, reject) => {
    const outgoing = send(url, { method: request.method, headers, signal: request.signal }, (incoming) => {
      const status = incoming.statusCode ?? 502;
      const empty = nullBodyStatuses.has(status) || request.method === 'HEAD';
      if (empty) incoming.resume();
      const responseBody = empty ? null : (Readable.toWeb(incoming) as ReadableStream<Uint8Array>);
      resolve(new Response(responseBody, { status, statusText: incoming.statusMessage ?? '', headers: headersOf(incoming) }));
    });
    outgoing.on('error', (error) => reject(request.signal.aborted ? request.signal.reason : new TypeError(`cannot fetch ${url.href}: ${error.message}`, { cause: error })));
    outgoing.end(body);
  });
}
