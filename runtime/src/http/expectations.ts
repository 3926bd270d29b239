import type { Server } from 'node:http';

/**
 * Serves a request whose `Expect` header asks for something other than `100-continue` like any
 * other, instead of Node's automatic 417 (which no contract declares). RFC 9110 10.1.1 lets a
 * server answer 417 there, and does not require it.
 */
export function serveUnknownExpectations(server: Server): void {
  server.on('checkExpectation', (req, res) => server.emit('request', req, res));
}
