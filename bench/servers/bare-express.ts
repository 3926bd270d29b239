/**
 * Baseline: a bare Express 5 app serving the platform routes straight from the same SQLite file
 * through the same driver (`node:sqlite`): prepared statements, no validation, no logging.
 * It does the same observable work as platform-service: reads skip deleted platforms and answer
 * the version as the ETag; each write changes the platform row and inserts its event into the
 * outbox (a JSON payload with the event's metadata) in one transaction, as issue 18 asks.
 * `node bench/servers/bare-express.ts <port> <sqlite file>`
 */
import { randomUUID } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import express from 'express';
import type { Request } from 'express';

const [port, path] = process.argv.slice(2);
if (port === undefined || path === undefined) throw new Error('cannot start bare-express: usage bare-express.ts <port> <sqlite file>');

const db = new DatabaseSync(path);
db.exec('pragma journal_mode = WAL; pragma synchronous = NORMAL');
const byId = db.prepare('select id, name, publisher, cost, version from platforms where id = ? and deleted_at is null');
const all = db.prepare('select id, name, publisher, cost from platforms where deleted_at is null order by id');
const insert = db.prepare('insert into platforms (name, publisher, cost, version, created_at) values (?, ?, ?, 1, ?) returning id');
const update = db.prepare('update platforms set name = ?, publisher = ?, cost = ?, version = version + 1 where id = ? and deleted_at is null returning version');
const remove = db.prepare('update platforms set version = version + 1, deleted_at = ? where id = ? and deleted_at is null returning version');
const outbox = db.prepare('insert into outbox_messages (topic, message_id, payload, metadata, created_at) values (?, ?, ?, ?, ?)');
const [begin, commit, rollback] = [db.prepare('begin'), db.prepare('commit'), db.prepare('rollback')];

/** Runs `work` in one transaction. */
function transaction<T>(work: () => T): T {
  begin.run();
  try {
    const result = work();
    commit.run();
    return result;
  } catch (error) {
    rollback.run();
    throw error;
  }
}

/** The event row of a write, with the metadata our events carry. */
function event(topic: string, payload: object, now: number, req: Request): void {
  const metadata = { contentType: 'application/json', type: topic, appId: 'platform-service', timestamp: String(now), correlationId: String(req.headers['x-request-id'] ?? randomUUID()) };
  outbox.run(topic, randomUUID(), Buffer.from(JSON.stringify(payload)), JSON.stringify(metadata), now);
}

type Fields = { name: string; publisher: string; cost: string };

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.get('/healthz', (_req, res) => void res.json({ ok: true }));
app.get('/api/platforms', (_req, res) => void res.json(all.all()));
app.get('/api/platforms/:id', (req, res) => {
  const row = byId.get(Number(req.params.id)) as (Fields & { id: number; version: number }) | undefined;
  if (row === undefined) res.status(404).json({ title: 'Not Found', status: 404 });
  else res.setHeader('etag', `"${row.version}"`).json({ id: row.id, name: row.name, publisher: row.publisher, cost: row.cost });
});
app.post('/api/platforms', express.json(), (req, res) => {
  const { name, publisher, cost } = req.body as Fields;
  const now = Date.now();
  const id = transaction(() => {
    const row = insert.get(name, publisher, cost, now) as { id: number };
    event('platform.published', { id: row.id, name, publisher, cost }, now, req);
    return row.id;
  });
  res.status(201).location(`/api/platforms/${id}`).setHeader('etag', '"1"').json({ id, name, publisher, cost });
});
app.put('/api/platforms/:id', express.json(), (req, res) => {
  const id = Number(req.params.id);
  const { name, publisher, cost } = req.body as Fields;
  const now = Date.now();
  const version = transaction(() => {
    const row = update.get(name, publisher, cost, id) as { version: number } | undefined;
    if (row !== undefined) event('platform.updated', { id, name, publisher, cost, version: row.version }, now, req);
    return row?.version;
  });
  if (version === undefined) res.status(404).json({ title: 'Not Found', status: 404 });
  else res.setHeader('etag', `"${version}"`).json({ id, name, publisher, cost });
});
app.delete('/api/platforms/:id', (req, res) => {
  const id = Number(req.params.id);
  const now = Date.now();
  const version = transaction(() => {
    const row = remove.get(now, id) as { version: number } | undefined;
    if (row !== undefined) event('platform.deleted', { id, version: row.version }, now, req);
    return row?.version;
  });
  if (version === undefined) res.status(404).json({ title: 'Not Found', status: 404 });
  else res.status(204).end();
});

const server = app.listen(Number(port), '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  db.close();
});
