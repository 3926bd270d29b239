/**
 * Prototype (issue 18, measured, not production code): a featureless HTTP proxy on Node's http
 * server and Node's own http client (a keep-alive `Agent`, responses parsed by Node's llhttp in C++),
 * to set against proxy-http-undici.ts (the same proxy on an undici Pool, whose llhttp runs as WASM).
 * Method, target and end-to-end headers forwarded, the answer's raw headers to `res.writeHead`,
 * bodies streamed. The cost of the two HTTP stacks alone.
 *
 * `node bench/prototypes/proxy-http-node.ts <port> <upstream url>`
 */
import { Agent, createServer, request } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';

const [port, target] = process.argv.slice(2);
if (port === undefined || target === undefined) throw new Error('cannot start proxy-http-node: usage proxy-http-node.ts <port> <upstream url>');
const { hostname, port: upstreamPort, host } = new URL(target);
const agent = new Agent({ keepAlive: true, maxSockets: 256, scheduling: 'lifo' });
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);

createServer((req: IncomingMessage, res: ServerResponse) => {
  const raw = req.rawHeaders;
  const headers: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (!hopByHop.has((raw[i] as string).toLowerCase())) headers.push(raw[i] as string, raw[i + 1] as string);
  headers.push('host', host);
  const upstream = request({ agent, host: hostname, port: Number(upstreamPort || 80), method: req.method, path: req.url, headers, setHost: false }, (answer) => {
    const rawAnswer = answer.rawHeaders;
    const out: string[] = [];
    for (let i = 0; i < rawAnswer.length; i += 2) if (!hopByHop.has((rawAnswer[i] as string).toLowerCase())) out.push(rawAnswer[i] as string, rawAnswer[i + 1] as string);
    res.writeHead(answer.statusCode ?? 502, out);
    answer.pipe(res);
  });
  upstream.on('error', () => {
    if (res.headersSent) res.destroy();
    else res.writeHead(502).end();
  });
  if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) req.pipe(upstream);
  else upstream.end();
}).listen(Number(port), '127.0.0.1');
