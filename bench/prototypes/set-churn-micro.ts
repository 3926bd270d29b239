/**
 * Prototype (issue 18, measured, not production code): what a `Set` with an entry added and deleted
 * per request costs the garbage collector, against the intrusive list of
 * runtime/src/lifecycle/in-flight.ts and against no tracking at all. 3 million "requests" of about
 * 2 kB each, 16 in flight at any time (as autocannon's 16 connections keep them); the CPU time is
 * printed, the collections are what `--trace-gc` shows.
 *
 * `for m in none set list; do node --trace-gc bench/prototypes/set-churn-micro.ts $m > $m.log;
 *   tail -1 $m.log; grep -c Scavenge $m.log; grep -c Mark-Compact $m.log; done`
 */
import { InFlight } from '../../runtime/src/lifecycle/in-flight.ts';
import type { InFlightEntry } from '../../runtime/src/lifecycle/in-flight.ts';

interface Request {
  readonly payload: number[];
  readonly other: { readonly a: number[]; readonly b: string };
  entry?: InFlightEntry<Request>;
}

const mode = process.argv[2] ?? 'set';
if (mode !== 'none' && mode !== 'set' && mode !== 'list') throw new Error('usage: set-churn-micro.ts none|set|list');
const set = new Set<Request>();
const list = new InFlight<Request>();
const live: Request[] = [];
const started = process.cpuUsage();
for (let i = 0; i < 3e6; i++) {
  const payload: number[] = [];
  for (let k = 0; k < 200; k++) payload.push(i);
  const request: Request = { payload, other: { a: [i, i + 1], b: `x${i}` } };
  if (mode === 'set') set.add(request);
  else if (mode === 'list') request.entry = list.add(request);
  live.push(request);
  if (live.length > 16) {
    const done = live.shift() as Request;
    if (mode === 'set') set.delete(done);
    else if (mode === 'list') list.delete(done.entry as InFlightEntry<Request>);
  }
}
const used = process.cpuUsage(started);
console.log(`${mode}: ${((used.user + used.system) / 1000).toFixed(0)} ms of CPU`);
