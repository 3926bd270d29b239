/**
 * Runs the buf CLI shipped by the `@bufbuild/buf` npm package (no network, no global install).
 * Unlike a plain exec, a non-zero exit is a result here: `buf breaking` exits with 100 when it
 * found breaking changes, and callers decide what each code means.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { delimiter, dirname } from 'node:path';

const require = createRequire(import.meta.url);

export interface BufResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Exit code of `buf breaking` when it found breaking changes. */
export const bufBreakingExitCode = 100;

export function runBuf(args: readonly string[], cwd: string): Promise<BufResult> {
  // buf's launcher is a Node script: run it with this Node rather than whatever `node` is on PATH.
  const launcher = require.resolve('@bufbuild/buf/bin/buf');
  // Plugins such as protoc-gen-es are `#!/usr/bin/env node` scripts: this Node first on PATH too.
  const env = { ...process.env, PATH: [dirname(process.execPath), process.env.PATH].filter(Boolean).join(delimiter) };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [launcher, ...args], { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`cannot run buf ${args.join(' ')}: ${error.message}`, { cause: error }));
        return;
      }
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

/** Runs buf and returns its stdout, or throws with its stderr when it exits non-zero. */
export async function runBufOrThrow(args: readonly string[], cwd: string): Promise<string> {
  const result = await runBuf(args, cwd);
  if (result.code !== 0) throw new Error(`cannot run buf ${args.join(' ')} (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
  return result.stdout;
}
