/**
 * Test helpers for a part's entry point (`main.ts`, `start.ts`): runs it as a child process the
 * way `npm start` does and reads back its JSON log lines. Not part of any service.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

export interface EntryProcess {
  readonly process: ChildProcess;
  /** JSON lines written so far (stdout and stderr). */
  lines(): Record<string, unknown>[];
  /** Resolves with the exit code once the process closed. */
  readonly exited: Promise<number | null>;
  /** Resolves with the first line whose `msg` is `msg`; rejects when the process exits first. */
  line(msg: string): Promise<Record<string, unknown>>;
}

/** Runs `node <entry>` in `cwd` with exactly `env` (nothing inherited unless passed). */
export function runEntry(entry: string, options: { readonly cwd: string; readonly env: Readonly<Record<string, string | undefined>>; readonly args?: readonly string[] }): EntryProcess {
  const child = spawn(process.execPath, [entry, ...(options.args ?? [])], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const waiting = new Set<() => void>();
  const onData = (chunk: string): void => {
    output += chunk;
    for (const wake of waiting) wake();
  };
  child.stdout.setEncoding('utf8').on('data', onData);
  child.stderr.setEncoding('utf8').on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const lines = (): Record<string, unknown>[] =>
    output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    process: child,
    lines,
    exited,
    line(msg) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = lines().find((line) => line.msg === msg);
          if (found === undefined) return;
          waiting.delete(check);
          resolve(found);
        };
        waiting.add(check);
        check();
        void exited.then((code) => {
          if (!waiting.has(check)) return;
          waiting.delete(check);
          reject(new Error(`${entry} exited with ${code} before logging "${msg}": ${JSON.stringify(lines())}`));
        });
      });
    },
  };
}
