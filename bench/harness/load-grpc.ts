/**
 * gRPC load from h2load (Debian's nghttp2-client), a C client that does not saturate before a
 * Node server does. The request is a prebuilt length-prefixed protobuf body; h2load counts
 * HTTP status only, so each server's answer is checked once beforehand (see grpc scenarios).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadResult } from './load-http.ts';
import { cores, pinned, run } from './processes.ts';
import { percentile } from './stats.ts';

/** Whether h2load is installed; scenarios needing it are skipped (and say so) when it is not. */
export const hasH2load = spawnSync('h2load', ['--version'], { stdio: 'ignore' }).status === 0;

export const h2loadMissing = 'h2load not found: install Debian/Ubuntu package nghttp2-client (apt-get install -y nghttp2-client)';

export interface GrpcLoad {
  /** Full URL of the method, e.g. `http://127.0.0.1:5001/platforms.v1.PlatformService/GetAllPlatforms`. */
  readonly url: string;
  /** The protobuf-encoded request message (without the gRPC 5-byte prefix). */
  readonly request: Uint8Array;
  readonly clients: number;
  /** Concurrent streams per connection. */
  readonly streams: number;
  /** Timed run of this many seconds (h2load -D)... */
  readonly durationSeconds?: number;
  /** ...or exactly this many calls (h2load -n), for long calls such as a large stream. */
  readonly calls?: number;
}

export interface GrpcLoadResult extends LoadResult {
  /** Response DATA bytes per call: equal across competitors when they send the same rows. */
  readonly dataBytesPerCall: number;
}

/** A gRPC frame: compressed flag 0, 4-byte big-endian length, message. */
export function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

/** Runs h2load against one gRPC method and returns calls per second, latency from its per-request log. */
export async function grpcLoad(load: GrpcLoad): Promise<GrpcLoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-h2load-'));
  try {
    const body = join(dir, 'request.bin');
    const log = join(dir, 'requests.log');
    writeFileSync(body, grpcFrame(load.request));
    const args = [
      '-c', String(load.clients),
      '-m', String(load.streams),
      ...(load.calls === undefined ? ['-D', String(load.durationSeconds ?? 5)] : ['-n', String(load.calls)]),
      '-d', body,
      '-H', 'content-type: application/grpc',
      '-H', 'te: trailers',
      `--log-file=${log}`,
      load.url,
    ];
    const [command, pinnedArgs] = pinned(cores.load, 'h2load', args);
    const out = await run(command, pinnedArgs, { timeoutMs: ((load.durationSeconds ?? 0) + (load.calls ?? 0) * 30 + 60) * 1000 });
    const requests = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(out);
    const finished = /finished in ([\d.]+)(m?s)/.exec(out);
    const traffic = /\((\d+)\) data/.exec(out);
    if (!requests || !finished) throw new Error(`cannot read h2load output:\n${out}`);
    const wallSeconds = Number(finished[1]) / (finished[2] === 'ms' ? 1000 : 1);
    const ok = Number(requests[4]);
    const latencies = readFileSync(log, 'utf8')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => Number(line.split('\t')[2]) / 1000)
      .toSorted((a, b) => a - b);
    return {
      rps: ok / wallSeconds,
      ok,
      failed: Number(requests[5]) + Number(requests[6]),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      wallSeconds,
      dataBytesPerCall: traffic && ok > 0 ? Math.round(Number(traffic[1]) / ok) : 0,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
