/**
 * Baseline: a bare Express 5 app serving the platform routes straight from the same SQLite file
 * through the same driver (`node:sqlite`): prepared statements, no validation, no logging.
 * `node bench/servers/bare-express.ts <port> <sqlite file>`
 */
import { DatabaseSync } from 'node:sqlite';
import express from 'express';

const [port, path] = process.argv.slice(2);
if (port === undefined || path === undefined) throw new Error('cannot start bare-express: usage bare-express.ts <port> <sqlite file>');

const db = new DatabaseSync(path);
db.exec('pragma journal_mode = WAL; pragma synchronous = NORMAL');
const byId = db.prepare('select id, name, publisher, cost from platforms where id = ?');
const all = db.prepare('select id, name, publisher, cost from platforms order by id');
const insert = db.prepare('insert into platforms (name, publisher, cost, created_at) values (?, ?, ?, ?) returning id');

const app = express();
app.disable('x-powered-by');
app.get('/healthz', (_req, res) => void res.json({ ok: true }));
app.get('/api/platforms', (_req, res) => void res.json(all.all()));
app.get('/api/platforms/:id', (req, res) => {
  const row = byId.get(Number(req.params.id));
  if (row === undefined) res.status(404).json({ title: 'Not Found', status: 404 });
  else res.json(row);
});
app.post('/api/platforms', express.json(), (req, res) => {
  const { name, publisher, cost } = req.body as { name: string; publisher: string; cost: string };
  const { id } = insert.get(name, publisher, cost, Date.now()) as { id: number };
  res.status(201).location(`/api/platforms/${id}`).json({ id, name, publisher, cost });
});

const server = app.listen(Number(port), '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  db.close();
});
