/**
 * autocannon with a different path per request: `<prefix><n>` for n = first, first + 1, ...
 * (a DELETE can only succeed once per platform). Prints autocannon's result as JSON, as its
 * CLI does with `-j`. `node bench/harness/autocannon-sequence.ts '<json of SequenceLoad>'`
 */
import { createRequire } from 'node:module';

interface Request {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly setupRequest: (request: Record<string, unknown>) => Record<string, unknown>;
}
// autocannon ships no types; only this much of its API is used.
const autocannon = createRequire(import.meta.url)('autocannon') as (options: { url: string; connections: number; duration: number; requests: Request[] }) => Promise<unknown>;

export interface SequenceLoad {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly connections: number;
  readonly durationSeconds: number;
  /** Path before the number, `/api/platforms/`. */
  readonly prefix: string;
  readonly first: number;
}

const load = JSON.parse(process.argv[2] ?? 'null') as SequenceLoad | null;
if (load === null) throw new Error("cannot run the sequence load: usage autocannon-sequence.ts '<json>'");
let next = load.first;
const result = await autocannon({
  url: load.url,
  connections: load.connections,
  duration: load.durationSeconds,
  requests: [
    {
      method: load.method,
      headers: { ...load.headers },
      ...(load.body === undefined ? {} : { body: load.body }),
      setupRequest: (request) => ({ ...request, path: `${load.prefix}${next++}` }),
    },
  ],
});
process.stdout.write(JSON.stringify(result));
