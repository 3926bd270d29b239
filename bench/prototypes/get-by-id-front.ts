/**
 * Prototype (issue 18, measured, not production code): the contract's `GET /api/platforms/{id}`
 * served on Node's http `request` event before any Express layer, as gateway/src/api-front.ts
 * does for the gateway, keeping what users rely on: the request id (a sane incoming
 * `x-request-id`, else a new one), the integer path parameter check with a problem+json 400, the
 * prepared read (the statement of bench/servers/bare-express.ts), a problem+json 404, the ETag
 * from the version, a JSON body, one JSON access line per request written by the runtime's pino
 * logger (createLogger: same options, same buffered destination) and one observation of the
 * runtime's request histogram (createPartMetrics). Any other request gets a problem+json 404.
 *
 * `node bench/prototypes/get-by-id-front.ts <port> <sqlite file> [--no-access-line] [--no-histogram]`
 * The flags exist only to attribute the cost of each step; production keeps both.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DatabaseSync } from 'node:sqlite';
import { createLogger, requestIdFrom } from '@platform/runtime/logging';
import { createPartMetrics } from '@platform/runtime/observability';

const [port, file, ...flags] = process.argv.slice(2);
if (port === undefined || file === undefined) throw new Error('cannot start get-by-id-front: usage get-by-id-front.ts <port> <sqlite file> [--no-access-line] [--no-histogram]');
const accessLine = !flags.includes('--no-access-line');
const histogram = !flags.includes('--no-histogram');

const db = new DatabaseSync(file);
db.exec('pragma journal_mode = WAL; pragma synchronous = NORMAL');
const byId = db.prepare('select id, name, publisher, cost, version from platforms where id = ? and deleted_at is null');
const logger = createLogger({ name: 'platform-service' });
const metrics = createPartMetrics('platform-service');

const prefix = '/api/platforms/';
const problemType = 'application/problem+json';
/** The contract's id parameter: a positive integer in decimal, as the compiled validator accepts it. */
const integerId = /^[1-9][0-9]{0,14}$/;

type Row = { id: number; name: string; publisher: string; cost: string; version: number };

/** The path of a request target, without its query. */
function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function problem(res: ServerResponse, status: number, title: string, detail: string, requestId: string): void {
  const body = JSON.stringify({ type: 'about:blank', title, status, detail, requestId });
  res.writeHead(status, { 'content-type': problemType, 'content-length': Buffer.byteLength(body), 'x-request-id': requestId });
  res.end(body);
}

/** Answers one request: the GET operation, or a problem. Returns the operation name for the metrics. */
function answer(req: IncomingMessage, res: ServerResponse, path: string, requestId: string): string {
  if (req.method !== 'GET' || !path.startsWith(prefix)) {
    problem(res, 404, 'Not Found', `no operation for ${req.method} ${path}`, requestId);
    return 'unmatched';
  }
  const raw = path.slice(prefix.length);
  if (!integerId.test(raw)) {
    problem(res, 400, 'Bad Request', 'path parameter id must be a positive integer', requestId);
    return 'getPlatform';
  }
  const row = byId.get(Number(raw)) as Row | undefined;
  if (row === undefined) {
    problem(res, 404, 'Not Found', `platform ${raw} not found`, requestId);
    return 'getPlatform';
  }
  const body = JSON.stringify({ id: row.id, name: row.name, publisher: row.publisher, cost: row.cost });
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), etag: `"${row.version}"`, 'x-request-id': requestId });
  res.end(body);
  return 'getPlatform';
}

function serve(req: IncomingMessage, res: ServerResponse): void {
  const started = performance.now();
  const requestId = requestIdFrom(req.headers);
  const path = pathOf(req.url ?? '/');
  let operation: string;
  try {
    operation = answer(req, res, path, requestId);
  } catch (error) {
    logger.error({ requestId, err: error }, 'request failed');
    if (!res.headersSent) problem(res, 500, 'Internal Server Error', 'the request could not be answered', requestId);
    operation = 'getPlatform';
  }
  // The response is written whole above; durations are measured to the last write, as the
  // runtime's `close` listener would (its one listener per request is saved here).
  const elapsed = performance.now() - started;
  if (histogram) metrics.httpRequest(operation, req.method ?? '', res.statusCode, elapsed / 1000);
  if (accessLine) {
    const line = { requestId, method: req.method, path, status: res.statusCode, durationMs: Math.round(elapsed * 1000) / 1000 };
    if (res.statusCode >= 500) logger.error(line, 'request failed');
    else logger.info(line, 'request completed');
  }
}

const server = createServer({ keepAliveTimeout: 5000 }, serve);
server.listen(Number(port), '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  db.close();
  logger.flush();
  // Exit explicitly, so that `node --cpu-prof` writes its profile whatever handle the runtime's
  // logger or metrics may still hold (not looked into: runService stops real parts).
  process.exit(0);
});
