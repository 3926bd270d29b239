/**
 * Prototype (issue 18, measured, not production code): a featureless HTTP proxy on Node's http
 * server and an undici Pool (the repository root's undici, 6.29.1; the gateway has 7.30.2): the
 * gateway's design without request id, X-Forwarded-*, CORS, access line, metrics or problems.
 * Method, target and end-to-end headers forwarded, the answer's raw
 * headers to `res.writeHead`, bodies streamed. The cost of the two HTTP stacks alone.
 *
 * `node bench/prototypes/proxy-http-undici.ts <port> <upstream url>`
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';

const [port, target] = process.argv.slice(2);
if (port === undefined || target === undefined) throw new Error('cannot start proxy-http-undici: usage proxy-http-undici.ts <port> <upstream url>');
const { origin, host } = new URL(target);
const pool = new Pool(origin);
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);

class Forwarded implements Dispatcher.DispatchHandlers {
  readonly res: ServerResponse;
  constructor(res: ServerResponse) {
    this.res = res;
  }
  onConnect(): void {}
  onHeaders(statusCode: number, raw: Buffer[]): boolean {
    if (statusCode < 200) return true;
    const headers: string[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      const name = (raw[i] as Buffer).toString('latin1');
      if (!hopByHop.has(name.toLowerCase())) headers.push(name, (raw[i + 1] as Buffer).toString('latin1'));
    }
    this.res.writeHead(statusCode, headers);
    return true;
  }
  onData(chunk: Buffer): boolean {
    return this.res.write(chunk);
  }
  onComplete(): void {
    this.res.end();
  }
  onError(): void {
    if (this.res.headersSent) this.res.destroy();
    else this.res.writeHead(502).end();
  }
}

createServer((req: IncomingMessage, res: ServerResponse) => {
  const raw = req.rawHeaders;
  const headers: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (!hopByHop.has((raw[i] as string).toLowerCase())) headers.push(raw[i] as string, raw[i + 1] as string);
  headers.push('host', host);
  const body = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined ? req : null;
  pool.dispatch({ origin, method: req.method as Dispatcher.HttpMethod, path: req.url ?? '/', headers, body }, new Forwarded(res));
}).listen(Number(port), '127.0.0.1');
