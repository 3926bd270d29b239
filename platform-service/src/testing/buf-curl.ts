/**
 * Test support: runs `buf curl` (the CLI shipped by @bufbuild/buf) and returns its stdout.
 * The current Node goes first on PATH, so buf's `#!/usr/bin/env node` launcher runs on it.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { delimiter, dirname } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const bufBinary = createRequire(import.meta.url).resolve('@bufbuild/buf/bin/buf');

export async function bufCurl(args: readonly string[]): Promise<string> {
  const env = { ...process.env, PATH: [dirname(process.execPath), process.env.PATH].filter(Boolean).join(delimiter) };
  try {
    const { stdout } = await run(bufBinary, ['curl', ...args], { env, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`cannot run buf curl ${args.join(' ')}: ${stderr || (error as Error).message}`, { cause: error });
  }
}
