/**
 * Micro-benchmark of GET /api/platforms's handler path in one process (issue 18): CPU per call of
 * platform-service's `listPlatforms` handler and the JSON text of its body, against bare-express's
 * `all.all()` and the same stringify, and against the floor (one read of row arrays straight from
 * node:sqlite made into views), on one 100-row SQLite file (bench/harness/fixtures.ts).
 * `node bench/prototypes/list-path-micro.ts [rows] [calls] [rounds]`
 */
import { DatabaseSync } from 'node:sqlite';
import { createLogger } from '@platform/runtime/logging';
import { openDatabase } from '@platform/runtime/db';
import { platformServiceDatabase } from '../../platform-service/src/database.ts';
import { createPlatformRestHandlers } from '../../platform-service/src/platforms/rest-handlers.ts';
import { platformDatabase } from '../harness/fixtures.ts';

const [rows = 100, calls = 20_000, rounds = 5] = process.argv.slice(2).map(Number);
const path = await platformDatabase('list-path-micro', rows);
const logger = createLogger({ name: 'micro', level: 'info' });
const orm = await openDatabase({ driver: 'sqlite', url: path, ...platformServiceDatabase, logger });
const handlers = createPlatformRestHandlers({ orm, writer: undefined as never });
const db = new DatabaseSync(path);
const all = db.prepare('select id, name, publisher, cost from platforms where deleted_at is null order by id');

const floorStatement = db.prepare('select id, name, publisher, cost from platforms where id > ? and deleted_at is null order by id limit cast(? as integer)');
floorStatement.setReturnArrays(true);
/** The least the handler path can do with node:sqlite: one read of row arrays made into views. */
const floor = async () => {
  const views = [];
  for (const [id, name, publisher, cost] of floorStatement.all(0, 1000) as unknown as [number, string, string, string][]) views.push({ id, name, publisher, cost });
  return JSON.stringify(views);
};
const ours = async () => JSON.stringify((await handlers.listPlatforms()).body);
const bare = async () => JSON.stringify(all.all());
if ((await ours()) !== (await bare()) || (await floor()) !== (await bare())) throw new Error('cannot compare: the bodies differ');

async function cpuPerCall(run: () => Promise<string>): Promise<number> {
  const before = process.cpuUsage();
  for (let index = 0; index < calls; index++) await run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / calls;
}

for (let warm = 0; warm < 2; warm++) { await cpuPerCall(ours); await cpuPerCall(bare); await cpuPerCall(floor); }
const results: { ours: number; bare: number; floor: number }[] = [];
for (let round = 0; round < rounds; round++) results.push({ ours: await cpuPerCall(ours), bare: await cpuPerCall(bare), floor: await cpuPerCall(floor) });
const median = (values: number[]) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const o = median(results.map((r) => r.ours));
const b = median(results.map((r) => r.bare));
const f = median(results.map((r) => r.floor));
console.log(`rows ${rows}: ours ${o.toFixed(1)} us/call, bare ${b.toFixed(1)}, floor ${f.toFixed(1)}; ours - bare ${(o - b).toFixed(1)} us (rounds ours/bare/floor: ${results.map((r) => `${r.ours.toFixed(1)}/${r.bare.toFixed(1)}/${r.floor.toFixed(1)}`).join(' ')})`);
db.close();
await orm.close(true);
