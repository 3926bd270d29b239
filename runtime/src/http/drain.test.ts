import { createServer } from 'node:http';
import type { RequestListener, Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { drainable } from './drain.ts';
import type { DrainOptions } from './drain.ts';

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.closeAllConnections();
});

async function serve(listener: RequestListener, options?: DrainOptions) {
  const server = createServer(listener);
  servers.push(server);
  const drain = drainable(server, options);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { drain, port: (server.address() as AddressInfo).port };
}

/** A raw keep-alive connection collecting everything the server sends. */
async function open(port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => {});
  const ended = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  const answers = (count: number) =>
    new Promise<string>((resolve) => {
      const check = () => ((received.match(/HTTP\/1\.1 /g) ?? []).length >= count && received.endsWith('\r\n\r\n') ? resolve(received) : setTimeout(check, 5));
      check();
    });
  return { socket, ended, answers, request: (path: string) => socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n`) };
}

const ok: RequestListener = (req, res) => res.end();

describe('drainable', () => {
  it('answers-a-request-that-arrived-unread-on-an-idle-connection-when-the-drain-began', async () => {
    const { drain, port } = await serve(ok);
    const client = await open(port);
    client.request('/first');
    await client.answers(1);
    // Same tick: the second request is on its way but the server has not read it yet.
    client.request('/second');
    const drained = drain.drain(10_000);
    const everything = await client.ended;
    expect(everything.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
    expect(everything.split('HTTP/1.1 ')[2]).toMatch(/\r\nConnection: close\r\n/i);
    expect(await drained).toEqual({ cut: 0 });
  });

  it('finishes-an-in-flight-request-with-connection-close-and-refuses-new-connections', async () => {
    const gate = Promise.withResolvers<void>();
    const started = Promise.withResolvers<void>();
    const { drain, port } = await serve((_req, res) => {
      started.resolve();
      void gate.promise.then(() => res.end('done'));
    });
    const client = await open(port);
    client.request('/slow');
    await started.promise;
    const drained = drain.drain(10_000);
    const refused = await new Promise<string>((resolve) => connect(port, '127.0.0.1').once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? '')));
    expect(refused).toBe('ECONNREFUSED');
    gate.resolve();
    const answer = await client.ended;
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
    expect(answer.endsWith('done')).toBe(true);
    expect(await drained).toEqual({ cut: 0 });
  });

  it('closes-a-connection-left-idle-past-the-grace-without-an-answer-to-cut', async () => {
    const { drain, port } = await serve(ok, { idleGraceMs: 20 });
    const client = await open(port);
    client.request('/only');
    await client.answers(1);
    expect(await drain.drain(10_000)).toEqual({ cut: 0 });
    expect(client.socket.destroyed || client.socket.readableEnded).toBe(true);
  });

  it('cuts-what-is-still-open-at-the-deadline', async () => {
    const { drain, port } = await serve(() => {});
    const client = await open(port);
    client.request('/never');
    await new Promise((resolve) => setImmediate(resolve));
    expect(await drain.drain(50)).toEqual({ cut: 1 });
    expect(await client.ended).toBe('');
  });
});
