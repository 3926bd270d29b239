import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { headerNames } from './headers.ts';

/** Status and detail for what Node's HTTP parser refused. */
function refusal(code: string | undefined): { readonly status: number; readonly detail: string } {
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, detail: 'The request line and headers are larger than the server accepts (16 KiB).' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, detail: 'The request did not arrive in time.' };
  return { status: 400, detail: 'The request is not valid HTTP/1.1.' };
}

/**
 * Answers requests Node's HTTP parser refuses before any route sees them (headers over the size
 * limit, a malformed request line, a request that arrives too slowly) with the platform's one
 * error shape, a problem+json with a request id, instead of Node's bare status line; then closes
 * the connection, as nothing more can be read from it.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const { status, detail } = refusal(error.code);
    const requestId = randomUUID();
    const title = STATUS_CODES[status] ?? 'Error';
    const body = JSON.stringify({ type: 'about:blank', title, status, detail, requestId });
    socket.end(
      [
        `HTTP/1.1 ${status} ${title}`,
        'Content-Type: application/problem+json; charset=utf-8',
        `Content-Length: ${Buffer.byteLength(body)}`,
        `${headerNames.requestId}: ${requestId}`,
        `Date: ${new Date().toUTCString()}`,
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    );
  });
}
