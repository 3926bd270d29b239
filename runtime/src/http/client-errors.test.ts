import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerClientErrors } from './client-errors.ts';
import { serveUnknownExpectations } from './expectations.ts';

/** Writes raw bytes on a new connection; resolves with everything the server sent until it closed. */
function exchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

function parse(answer: string): { status: number; headers: Record<string, string>; body: Record<string, unknown> } {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) as Record<string, unknown> };
}

describe('what Node refuses before any route, and Expect headers', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((_req, res) => res.end('{"ok":true}'));
    answerClientErrors(server);
    serveUnknownExpectations(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('answers-headers-over-the-limit-with-a-431-problem-and-closes', async () => {
    const answer = parse(await exchange(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
    expect(answer.status).toBe(431);
    expect(answer.headers).toMatchObject({ 'content-type': 'application/problem+json; charset=utf-8', connection: 'close', 'x-request-id': expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(answer.body).toEqual({ type: 'about:blank', title: 'Request Header Fields Too Large', status: 431, detail: 'The request line and headers are larger than the server accepts (16 KiB).', requestId: answer.headers['x-request-id'] });
  });

  it('answers-a-request-that-is-not-http-with-a-400-problem', async () => {
    const answer = parse(await exchange(port, 'HELLO THERE\r\n\r\n'));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: 400, detail: 'The request is not valid HTTP/1.1.' });
  });

  it('serves-a-request-with-an-unknown-expectation-instead-of-417', async () => {
    const answer = await exchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nExpect: something\r\nConnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer.endsWith('{"ok":true}')).toBe(true);
  });
});
