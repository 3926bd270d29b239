/**
 * Start-up leaves garbage that an idle part would keep for good: V8 collects the old generation
 * and shrinks the young one only when the heap grows or a collection runs, and an idle part
 * allocates too little for either. One memory-reducing full collection once the part has started
 * gives that memory back (issue 18, idle RSS).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** V8's `gc` extension (`--expose-gc`): with these options, one collection of everything collectable. */
type Collect = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

/**
 * V8's `gc` without `--expose-gc` on the command line and without a global `gc`: the flag is set
 * only while one new context is made, whose `gc` is used once and dropped with the context (the
 * way Jest's `--logHeapUsage` gets it).
 */
function collector(): Collect {
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as Collect;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

/**
 * One full garbage collection in V8's memory-reducing mode ("last resort": it repeats until
 * nothing more is freed, compacts, shrinks the young generation and returns free pages to the
 * system). Call it once, when a phase that leaves garbage is over (the part started, the start-up
 * sync finished), never on a request path: it blocks the event loop once (platform-service: two
 * mark-compacts of 136 and 167 ms on a loaded 2-core machine, `--trace-gc`). A plain full collection
 * (no memory-reducing flag) gives back nothing measurable: 101.8-104.5 MB idle, against 93-96 MB
 * with this one (`npm run bench -- --only=idle`; README "Performance").
 */
export function settleMemory(): void {
  collector()({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}
