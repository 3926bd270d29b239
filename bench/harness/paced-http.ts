/**
 * An evenly paced HTTP load: request i is sent at start + i / rate seconds, on one of
 * `connections` keep-alive connections (the next free one; when all are busy it waits for one,
 * and the requests behind it go as soon as they can, keeping the schedule). autocannon's `-R`
 * instead lets each connection send its share of a second's requests as fast as they are
 * answered and then wait for the next second: bursts at full speed, then silence, which is not
 * the pace the raw side of the events-delay scenario writes at (one create every 1 / rate s).
 * Prints the result as autocannon's `-j` does (the fields load-http.ts reads).
 * `node bench/harness/paced-http.ts '<json of PacedLoad>'`
 */
import { Agent, request } from 'node:http';
import { percentile } from './stats.ts';

export interface PacedLoad {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly connections: number;
  readonly durationSeconds: number;
  /** Requests per second, evenly spaced. */
  readonly rate: number;
}

const load = JSON.parse(process.argv[2] ?? 'null') as PacedLoad | null;
if (load === null) throw new Error("cannot run the paced load: usage paced-http.ts '<json>'");
const agent = new Agent({ keepAlive: true, maxSockets: load.connections });
const body = load.body === undefined ? undefined : Buffer.from(load.body);
const headers = { ...load.headers, ...(body === undefined ? {} : { 'content-length': String(body.length) }) };

/** One request; resolves with its status (0 on a network error) and latency. */
function send(): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const outgoing = request(load!.url, { method: load!.method, headers, agent }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, ms: performance.now() - started }));
    });
    outgoing.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
    outgoing.end(body);
  });
}

const total = Math.round(load.rate * load.durationSeconds);
const start = performance.now();
const sent: Promise<{ status: number; ms: number }>[] = [];
for (let index = 0; index < total; index++) {
  const wait = start + (index * 1000) / load.rate - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  sent.push(send());
}
const results = await Promise.all(sent);
agent.destroy();
const ok = results.filter((result) => result.status >= 200 && result.status < 300).length;
const latencies = results.map((result) => result.ms).toSorted((a, b) => a - b);
process.stdout.write(
  JSON.stringify({
    duration: (performance.now() - start) / 1000,
    errors: results.filter((result) => result.status === 0).length,
    timeouts: 0,
    non2xx: results.filter((result) => result.status !== 0 && (result.status < 200 || result.status >= 300)).length,
    '2xx': ok,
    latency: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
  }),
);
