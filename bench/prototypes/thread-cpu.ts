/**
 * CPU per request of platform-service's GET by id, split by thread (main, V8 helpers, libuv pool),
 * tracing on (OTLP to an in-process sink) and off, alternated: where a traced request's CPU goes,
 * including the threads a main-thread CPU profile does not see.
 * `node bench/prototypes/thread-cpu.ts [rounds=3] [seconds=8] [NAME=value | --node-flag ...]`
 * (`THREAD_CPU_OPERATION=create`: POST /api/platforms with the bench's bearer token instead of the GET.)
 * (`sink:<core>` / `sink:free`: one more side, tracing on, exporting to a sink in a process of its own pinned to that
 * core or left to the scheduler, where the default side's sink is in this process;
 * `NAME=value`: one more side, tracing on with that environment variable; `off:NAME=value`: one
 * with tracing off; `--node-flag`: two more,
 * tracing on and off, with that Node flag after the production ones.)
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { newPlatform, platformDatabase } from '../harness/fixtures.ts';
import { benchIssuer } from '../harness/issuer.ts';
import { httpLoad } from '../harness/load-http.ts';
import { startPlatformService } from '../harness/parts.ts';
import { pinned } from '../harness/processes.ts';

const rounds = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 8);
const ticks = 100; // USER_HZ

function threads(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+$/, 'N');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [user, system] = [Number(fields[11]) / ticks, Number(fields[12]) / ticks];
    out.set(name, (out.get(name) ?? 0) + user + system);
    out.set('(system)', (out.get('(system)') ?? 0) + system);
  }
  return out;
}

const sink = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;

// Further sides: tracing on plus each `NAME=value` given after the rounds and seconds (prototype switches).
const variants = process.argv.slice(4);
// THREAD_CPU_PROFILE=<dir>: each side also writes a CPU profile of its main thread there (one file per side).
const profileDir = process.env.THREAD_CPU_PROFILE;
const flags = (side: string): { nodeFlags?: readonly string[] } => (profileDir === undefined ? {} : { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}/${side}`] });
const sides: Record<string, Awaited<ReturnType<typeof startPlatformService>>> = {
  on: await startPlatformService(await platformDatabase('thread-cpu-on', 100), { ...flags('on'), env: { OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl } }),
  off: await startPlatformService(await platformDatabase('thread-cpu-off', 100), flags('off')),
};
/** An OTLP sink in a child process of its own, pinned to `core` or left to the scheduler (`free`): its URL and the process. */
async function childSink(core: string): Promise<{ url: string; child: ChildProcess }> {
  const code = `const s = require('node:http').createServer((q, r) => { q.resume(); q.on('end', () => r.writeHead(200, { 'content-type': 'application/json' }).end('{}')); }); s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;
  const [command, args] = core === 'free' ? [process.execPath, ['-e', code]] : pinned(core, process.execPath, ['-e', code]);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('error', reject);
    child.once('exit', (status) => reject(new Error(`the sink for core ${core} exited (${status}) before it listened`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}
const sinkChildren: ChildProcess[] = [];
for (const variant of variants) {
  if (variant.startsWith('sink:')) {
    // `sink:<core>` or `sink:free`: tracing on, exporting to a sink in a process of its own, pinned to that core or not.
    const { url, child } = await childSink(variant.slice(5));
    sinkChildren.push(child);
    const name = variant.replace(':', '-');
    sides[`on+${variant}`] = await startPlatformService(await platformDatabase(`thread-cpu-${name}`, 100), { ...flags(name), env: { OTEL_EXPORTER_OTLP_ENDPOINT: url } });
    continue;
  }
  if (variant.startsWith('--')) {
    // A Node flag (after the production ones, so it wins): a side with tracing on and one with it off.
    const name = variant.replace(/\W+/g, '-').replace(/^-+/, '');
    const nodeFlags = [...(flags(`on-${name}`).nodeFlags ?? []), variant];
    sides[`on+${variant}`] = await startPlatformService(await platformDatabase(`thread-cpu-on-${name}`, 100), { nodeFlags, env: { OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl } });
    sides[`off+${variant}`] = await startPlatformService(await platformDatabase(`thread-cpu-off-${name}`, 100), { nodeFlags: [...(flags(`off-${name}`).nodeFlags ?? []), variant] });
    continue;
  }
  if (variant.startsWith('off:')) {
    // `off:NAME=value`: tracing off, with that environment variable.
    const [name, value] = variant.slice(4).split('=') as [string, string];
    sides[`off+${name}=${value}`] = await startPlatformService(await platformDatabase(`thread-cpu-off-${name}`, 100), { ...flags(`off-${name}`), env: { [name]: value } });
    continue;
  }
  const [name, value] = variant.split('=') as [string, string];
  sides[`on+${variant}`] = await startPlatformService(await platformDatabase(`thread-cpu-${name}`, 100), { ...flags(name), env: { OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl, [name]: value } });
}
async function request(base: string): Promise<{ url: string; method?: 'POST'; headers?: Record<string, string>; body?: string }> {
  if (process.env.THREAD_CPU_OPERATION !== 'create') return { url: `${base}/api/platforms/42` };
  return { url: `${base}/api/platforms`, method: 'POST', headers: { 'content-type': 'application/json', authorization: (await benchIssuer()).authorization }, body: JSON.stringify(newPlatform) };
}
const order = Object.entries(sides);
for (let round = 1; round <= rounds; round++) {
  // Each round starts with the next side, so that no side always follows the same one or always goes first.
  for (const [name, side] of [...order.slice((round - 1) % order.length), ...order.slice(0, (round - 1) % order.length)]) {
    const before = threads(side.process.pid);
    const result = await httpLoad({ ...(await request(side.restUrl)), connections: 10, durationSeconds: seconds });
    const after = threads(side.process.pid);
    const requests = result.ok;
    const parts = [...after].map(([thread, cpu]) => [thread, ((cpu - (before.get(thread) ?? 0)) * 1e6) / requests] as const).filter(([, us]) => us > 0.05);
    const total = parts.reduce((sum, [thread, us]) => (thread === '(system)' ? sum : sum + us), 0);
    console.log(`round ${round} tracing ${name}: ${result.rps.toFixed(0)} req/s, ${total.toFixed(1)} µs/req: ${parts.map(([t, us]) => `${t} ${us.toFixed(1)}`).join(', ')}`);
  }
}
await Promise.all(Object.values(sides).map((side) => side.process.stop()));
sink.close();
sink.closeAllConnections(); // the exporters' keep-alive connections would hold the process open
for (const child of sinkChildren) child.kill();
