/**
 * Child processes of a benchmark: servers pinned to one core, load generators to the other
 * (when `taskset` exists), and what the kernel says they cost (/proc/<pid>/stat and status).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** Repository root (bench/ is one level below it). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Cores: servers on `server`, load generators on `load`; undefined when taskset is missing. */
export const cores = { server: '1', load: '0' } as const;

export const hasTaskset = spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * Moves this process, every thread of it and whatever it starts unpinned, to `core` (when taskset
 * exists). The bench's own process belongs with the load generators: it polls the target databases
 * every 2 ms in the event scenarios, and hosts the tracing scenarios' OTLP sink; left to the
 * scheduler it ran on the servers' core too, in turn with what it measured (issue 18, twelfth round).
 */
export function pinSelf(core: string): void {
  if (!hasTaskset) return;
  const result = spawnSync('taskset', ['-a', '-p', '-c', core, String(process.pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.status !== 0) throw new Error(`cannot pin the bench to core ${core}: ${result.stderr.toString().trim()}`);
}

/** `[command, ...args]` prefixed with `taskset -c <core>` when available and the machine has that core. */
export function pinned(core: string, command: string, args: readonly string[]): [string, string[]] {
  return hasTaskset ? ['taskset', ['-c', core, command, ...args]] : [command, [...args]];
}

export interface ServerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Last lines of stderr (and stdout when captured), for error messages. */
  tail(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly name: string;
  /** Node script (path relative to the repository root) and its arguments. */
  readonly script: string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Extra node flags, e.g. `--cpu-prof`. */
  readonly nodeFlags?: readonly string[];
  /** Keep stdout (logs) instead of discarding it. Default false: logs go to /dev/null. */
  readonly keepStdout?: boolean;
  readonly core?: string;
  /** Open an IPC channel (`child.send` / `process.send`). Default false. */
  readonly ipc?: boolean;
}

/** Starts `node <script>` pinned to the server core; stdout (service logs) goes to /dev/null. */
export function startNode(options: StartOptions): ServerProcess {
  const [command, args] = pinned(options.core ?? cores.server, process.execPath, [...(options.nodeFlags ?? []), options.script, ...(options.args ?? [])]);
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', options.keepStdout ? 'pipe' : 'ignore', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
  });
  let tail = '';
  const keep = (chunk: Buffer): void => void (tail = (tail + chunk.toString()).slice(-4000));
  child.stderr?.on('data', keep);
  child.stdout?.on('data', keep);
  if (child.pid === undefined) throw new Error(`cannot start ${options.name}: spawn failed`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name: options.name,
    child,
    pid: child.pid,
    tail: () => tail,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A TCP port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 2xx, the process dies, or `timeoutMs` passes. */
export async function waitForHttp(url: string, server: ServerProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`cannot start ${server.name}: exited with ${server.child.exitCode}\n${server.tail()}`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`cannot start ${server.name}: ${url} not ready within ${timeoutMs} ms\n${server.tail()}`);
}

/** Waits for a TCP listener (e.g. an h2c port) to accept. */
export async function waitForPort(port: number, server: ServerProcess, timeoutMs = 30_000): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`cannot start ${server.name}: exited with ${server.child.exitCode}\n${server.tail()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`cannot start ${server.name}: port ${port} not open within ${timeoutMs} ms\n${server.tail()}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const clockTicks = 100; // USER_HZ on Linux; /proc/<pid>/stat counts CPU time in these ticks.

/** User + system CPU time of a process so far, in microseconds (0 when /proc is unavailable). */
export function cpuMicros(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at index 3; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / clockTicks;
  } catch {
    return 0;
  }
}

/** Resident set size of a process, in MB (0 when /proc is unavailable). */
export function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Peak resident set size of a process so far, in MB. */
export function peakRssMb(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs a command to completion, collecting stdout; rejects on a non-zero exit. */
export function run(command: string, args: readonly string[], options: { readonly timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-4000)));
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`cannot run ${command} ${args.join(' ')}: exit ${code}\n${err}`));
    });
  });
}
