/**
 * Test helpers for HTTP: a request sent exactly as written. Not used by the parts.
 */
import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

export interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The body parsed as JSON; undefined when it is empty. */
  readonly json: Record<string, unknown> | undefined;
}

/**
 * Sends one request exactly as given (path bytes, headers, body), which fetch would normalise,
 * on a connection of its own; resolves with the whole answer.
 */
export function send(base: string, request: { readonly method?: string; readonly path: string; readonly headers?: OutgoingHttpHeaders; readonly body?: string | Buffer }): Promise<RawAnswer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    // An explicit length: Node sends a GET's body without one otherwise, which the server cannot see as a body.
    const length = request.body === undefined ? {} : { 'content-length': Buffer.byteLength(request.body) };
    const headers = { ...length, ...request.headers };
    const outgoing = httpRequest({ hostname, port, method: request.method ?? 'GET', path: request.path, headers, agent: false }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('error', reject);
      incoming.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, text, json: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}
