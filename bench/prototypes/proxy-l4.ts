/**
 * Prototype (issue 18, measured, not production code): the absolute floor of a proxy in Node, an
 * L4 pipe. Each downstream connection is piped byte for byte to its own upstream connection, no
 * HTTP parsing at all, so it cannot route, add headers, log or count: not a valid gateway.
 *
 * `node bench/prototypes/proxy-l4.ts <port> <upstream url>`
 */
import { connect, createServer } from 'node:net';

const [port, target] = process.argv.slice(2);
if (port === undefined || target === undefined) throw new Error('cannot start proxy-l4: usage proxy-l4.ts <port> <upstream url>');
const { hostname, port: upstreamPort } = new URL(target);

createServer({ noDelay: true }, (downstream) => {
  const upstream = connect({ host: hostname, port: Number(upstreamPort || 80), noDelay: true });
  downstream.pipe(upstream);
  upstream.pipe(downstream);
  const close = (): void => {
    downstream.destroy();
    upstream.destroy();
  };
  downstream.on('error', close).on('close', close);
  upstream.on('error', close).on('close', close);
}).listen(Number(port), '127.0.0.1');
