/**
 * A port already in use stops `npm start` and each part alone with one line naming the variable
 * to change, exit code 1, and no stack trace.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoryRoot } from './platform-process.ts';

async function listen(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Runs `node <entry>` with `env` until it exits; resolves with its code and every line it printed. */
function run(entry: string, env: Record<string, string>): Promise<{ code: number | null; lines: string[] }> {
  const child = spawn(process.execPath, [entry], { cwd: repositoryRoot, env: { ...process.env, LOG_FORMAT: 'json', AMQP_URL: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, lines: output.split('\n').filter(Boolean) })));
}

describe('a port already in use', () => {
  let taken: { server: Server; port: number };
  let free: number[];
  let dataDir: string;

  beforeAll(async () => {
    taken = await listen();
    // Ports that are free now: listen, note the port, close.
    const probes = await Promise.all([listen(), listen(), listen()]);
    free = probes.map((probe) => probe.port);
    await Promise.all(probes.map((probe) => new Promise((resolve) => probe.server.close(resolve))));
    dataDir = await mkdtemp(join(tmpdir(), 'port-in-use-'));
  });
  afterAll(async () => {
    await new Promise((resolve) => taken?.server.close(resolve));
    await rm(dataDir, { recursive: true, force: true });
  });

  const cases = () => [
    { entry: 'start.ts', variable: 'GATEWAY_PORT', part: 'the platform', env: { GATEWAY_PORT: taken.port, PLATFORM_SERVICE_HTTP_PORT: free[0], PLATFORM_SERVICE_GRPC_PORT: free[1], COMMANDS_SERVICE_HTTP_PORT: free[2], DATA_DIR: dataDir } },
    { entry: 'start.ts', variable: 'COMMANDS_SERVICE_HTTP_PORT', part: 'the platform', env: { GATEWAY_PORT: free[0], PLATFORM_SERVICE_HTTP_PORT: free[1], PLATFORM_SERVICE_GRPC_PORT: free[2], COMMANDS_SERVICE_HTTP_PORT: taken.port, DATA_DIR: dataDir } },
    { entry: 'platform-service/src/main.ts', variable: 'HTTP_PORT', part: 'platform-service', env: { HTTP_PORT: taken.port, GRPC_PORT: free[0], DB_URL: ':memory:' } },
    { entry: 'platform-service/src/main.ts', variable: 'GRPC_PORT', part: 'platform-service', env: { HTTP_PORT: free[0], GRPC_PORT: taken.port, DB_URL: ':memory:' } },
    { entry: 'commands-service/src/main.ts', variable: 'HTTP_PORT', part: 'commands-service', env: { HTTP_PORT: taken.port, DB_URL: ':memory:' } },
    { entry: 'gateway/src/main.ts', variable: 'HTTP_PORT', part: 'the gateway', env: { HTTP_PORT: taken.port } },
  ];

  it('stops-npm-start-and-each-part-with-one-line-naming-the-variable', async () => {
    for (const { entry, variable, part, env } of cases()) {
      const { code, lines } = await run(entry, Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])));
      const fatal = lines.filter((line) => line.includes('"level":"fatal"')).map((line) => (JSON.parse(line) as { msg: string }).msg);
      const stack = lines.some((line) => /EADDRINUSE|\s+at \S+ \(/.test(line));
      expect({ entry, code, fatal, stack }).toEqual({
        entry,
        code: 1,
        fatal: [`cannot start ${part}: port ${taken.port} is already in use; set ${variable} to a free port`],
        stack: false,
      });
    }
  });
});
