/**
 * Baseline of the start-up sync: read every platform from platform-service's SQLite file and
 * bulk-insert `{external_id, name}` into a fresh table shaped like commands-service's, in one
 * transaction with one prepared statement, through `node:sqlite`. Prints `{ms, rows, rssGrowthMb, cpuMicros}`.
 * `node bench/servers/raw-bulk-insert.ts <platform-service sqlite> <target sqlite>`
 */
import { readFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';

const [source, target] = process.argv.slice(2);
if (source === undefined || target === undefined) throw new Error('cannot run raw-bulk-insert: usage raw-bulk-insert.ts <source sqlite> <target sqlite>');

const kb = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
const rssBefore = kb('VmRSS');
const cpuBefore = process.cpuUsage();
const started = performance.now();

const from = new DatabaseSync(source, { readOnly: true });
const to = new DatabaseSync(target);
to.exec('pragma journal_mode = WAL; pragma synchronous = NORMAL');
to.exec('create table if not exists platforms (id integer not null primary key autoincrement, external_id integer not null unique, name text not null)');
const insert = to.prepare('insert into platforms (external_id, name) values (?, ?) on conflict (external_id) do nothing');
let rows = 0;
to.exec('begin');
for (const row of from.prepare('select id, name from platforms order by id').iterate() as Iterable<{ id: number; name: string }>) {
  insert.run(row.id, row.name);
  rows++;
}
to.exec('commit');
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
process.stdout.write(`${JSON.stringify({ ms, rows, rssGrowthMb: (kb('VmHWM') - rssBefore) / 1024, cpuMicros: cpu.user + cpu.system })}\n`);
from.close();
to.close();
