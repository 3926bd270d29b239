/** `buf curl` against platform-service's gRPC listener, with server reflection and no --schema. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repositoryRoot } from './platform-process.ts';

const run = promisify(execFile);
const buf = join(repositoryRoot, 'node_modules/.bin/buf');

/** `buf curl --list-methods`: the methods reflection reports. */
export async function listMethods(grpcUrl: string): Promise<string[]> {
  const { stdout } = await run(buf, ['curl', '--http2-prior-knowledge', '--list-methods', grpcUrl], { timeout: 30_000 });
  return stdout.split('\n').filter((line) => line.trim() !== '');
}

/** Calls a unary method over the gRPC protocol with a JSON request; returns the JSON answer. */
export async function callUnary(grpcUrl: string, method: string, request: object = {}): Promise<unknown> {
  const { stdout } = await run(buf, ['curl', '--http2-prior-knowledge', '--protocol', 'grpc', '--data', JSON.stringify(request), `${grpcUrl}/${method}`], {
    timeout: 30_000,
  });
  return JSON.parse(stdout);
}
