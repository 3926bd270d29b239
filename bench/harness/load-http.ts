/**
 * HTTP/1.1 load from autocannon, run as its own process pinned to the load core; a paced load
 * (`rate`) from paced-http.ts, which spaces the requests evenly.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { SequenceLoad } from './autocannon-sequence.ts';
import type { PacedLoad } from './paced-http.ts';
import { cores, pinned, run } from './processes.ts';

const autocannonCli = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
const sequenceScript = fileURLToPath(new URL('./autocannon-sequence.ts', import.meta.url));
const pacedScript = fileURLToPath(new URL('./paced-http.ts', import.meta.url));

export interface HttpLoad {
  readonly url: string;
  readonly method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** A different path per request: `prefix` then `first`, `first + 1`, ... (replaces the URL's path; timed runs only). */
  readonly pathSequence?: { readonly prefix: string; readonly first: number };
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly connections: number;
  /** Timed run of this many seconds... */
  readonly durationSeconds?: number;
  /** ...or exactly this many requests. */
  readonly amount?: number;
  /**
   * Paced: this many requests per second, evenly spaced, over the connections (paced-http.ts; not
   * autocannon's -R, which sends each second's share in a burst). Timed runs only. Default: as fast as answered.
   */
  readonly rate?: number;
}

export interface LoadResult {
  /** Successful (2xx) responses per second over the run. */
  readonly rps: number;
  /** Successful responses in the run. */
  readonly ok: number;
  /** Non-2xx responses, errors and timeouts. */
  readonly failed: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly wallSeconds: number;
}

interface AutocannonJson {
  readonly duration: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly '2xx': number;
  readonly latency: { readonly p50: number; readonly p99: number };
}

/** Runs autocannon against one URL and returns what it measured. */
export async function httpLoad(load: HttpLoad): Promise<LoadResult> {
  const args = load.pathSequence !== undefined ? sequenceArgs(load, load.pathSequence) : load.rate !== undefined ? pacedArgs(load, load.rate) : cliArgs(load);
  const [command, pinnedArgs] = pinned(cores.load, process.execPath, args);
  const out = await run(command, pinnedArgs, { timeoutMs: ((load.durationSeconds ?? 0) + (load.amount ?? 0) / 100 + 60) * 1000 });
  const result = JSON.parse(out) as AutocannonJson;
  const ok = result['2xx'];
  return {
    rps: ok / result.duration,
    ok,
    failed: result.non2xx + result.errors + result.timeouts,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    wallSeconds: result.duration,
  };
}

function sequenceArgs(load: HttpLoad, sequence: { readonly prefix: string; readonly first: number }): string[] {
  if (load.amount !== undefined) throw new Error('cannot run a path sequence load: it runs for a duration, not an amount');
  const options: SequenceLoad = {
    url: new URL(load.url).origin,
    method: load.method ?? 'GET',
    headers: { ...load.headers },
    ...(load.body === undefined ? {} : { body: load.body }),
    connections: load.connections,
    durationSeconds: load.durationSeconds ?? 5,
    prefix: sequence.prefix,
    first: sequence.first,
  };
  return [sequenceScript, JSON.stringify(options)];
}

function pacedArgs(load: HttpLoad, rate: number): string[] {
  if (load.amount !== undefined || load.pathSequence !== undefined) throw new Error('cannot run a paced load: it runs for a duration, on one path');
  const options: PacedLoad = {
    url: load.url,
    method: load.method ?? 'GET',
    headers: { ...load.headers },
    ...(load.body === undefined ? {} : { body: load.body }),
    connections: load.connections,
    durationSeconds: load.durationSeconds ?? 5,
    rate,
  };
  return [pacedScript, JSON.stringify(options)];
}

function cliArgs(load: HttpLoad): string[] {
  const args = [autocannonCli, '-j', '-n', '-c', String(load.connections), ...(load.amount === undefined ? ['-d', String(load.durationSeconds ?? 5)] : ['-a', String(load.amount)]), '-m', load.method ?? 'GET'];
  for (const [name, value] of Object.entries(load.headers ?? {})) args.push('-H', `${name}=${value}`);
  if (load.body !== undefined) args.push('-b', load.body);
  args.push(load.url);
  return args;
}
