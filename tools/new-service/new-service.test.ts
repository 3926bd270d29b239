/**
 * `npm run new:service` end to end, in a copy of the repository (node_modules linked): the scaffold
 * is written, `npm run generate` and the typecheck pass, the new service's own tests pass, the
 * deployment checks pass with it (manifests, Dockerfile, its migrations on PostgreSQL), and a
 * it starts alone (its main.ts) and in `npm start`, where a request through the gateway reaches it.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readApiRoutes } from '../../gateway/src/api-routes.ts';
import { repositoryRoot } from '../deploy/services.ts';
import { copyRepository } from './repository-copy.ts';

const run = promisify(execFile);
// The outer test run's settings stay out of the copy's processes: no totals file, no recording into this run's conformance check.
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(VITEST|CONFORMANCE_)|^NODE_OPTIONS$/.test(key))) as NodeJS.ProcessEnv;
const inCopy = (copy: string, command: string, args: string[]) => run(command, args, { cwd: copy, env, maxBuffer: 16 * 1024 * 1024 });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts `node <entry>` in the copy; resolves once `url` answers /healthz. */
async function startPart(copy: string, entry: string, settings: Record<string, string>, url: string): Promise<ChildProcess> {
  const child = spawn('node', [entry], { cwd: copy, env: { ...env, ...settings }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`${entry} exited with ${child.exitCode}:\n${output}`);
    if ((await fetch(`${url}/healthz`).catch(() => undefined))?.ok) return child;
    if (attempt > 150) throw new Error(`${entry} did not answer /healthz:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('npm run new:service demo-service', () => {
  let copy: string;
  let scaffoldOutput: string;
  beforeAll(async () => {
    copy = await mkdtemp(join(tmpdir(), 'new-service-'));
    await copyRepository(repositoryRoot, copy);
    scaffoldOutput = (await inCopy(copy, 'node', ['tools/new-service/new-service.ts', 'demo-service'])).stdout;
  }, 60_000);
  afterAll(async () => {
    if (copy) await rm(copy, { recursive: true, force: true, maxRetries: 3 });
  });

  it('writes the contract, the workspace and its place in the Dockerfile, compose, Kubernetes and npm start', async () => {
    expect(scaffoldOutput).toContain('demo-service: REST on :7000, routed by the gateway and the ingress at /api/demo/...');
    const read = (path: string) => readFile(join(copy, path), 'utf8');
    expect(readApiRoutes(join(copy, 'contracts')).find((route) => route.service === 'demo-service')).toEqual({
      service: 'demo-service',
      prefixes: ['/api/demo/items'],
      localUrl: 'http://localhost:7000',
      variable: 'DEMO_SERVICE_URL',
    });
    expect(await read('demo-service/src/items/rest-handlers.ts')).toContain('} satisfies DemoServiceHandlers;');
    expect((JSON.parse(await read('package.json')) as { workspaces: string[] }).workspaces).toContain('demo-service');
    expect(await read('Dockerfile')).toContain('COPY demo-service/package.json demo-service/');
    expect(await read('compose.yaml')).toContain("args: { PART: demo-service, PORTS: '7000' }");
    expect(await read('k8s/base/kustomization.yaml')).toContain('- DEMO_SERVICE_URL=http://demo-service:7000');
    expect(await read('k8s/base/ingress.yaml')).toContain('path: /api/demo/items');
    expect(await read('added-services.ts')).toContain("{ name: 'demo-service', load: ");
  });

  it('generates, typechecks, passes its own tests and the deployment checks, starts alone and in npm start, and answers through the gateway', async () => {
    await inCopy(copy, 'npm', ['run', '-s', 'generate']);
    await inCopy(copy, 'npx', ['tsc', '-p', '.']);
    const tests = await inCopy(copy, 'npx', ['vitest', 'run', 'demo-service/src']);
    expect(tests.stdout).toMatch(/^3 passed, 0 failed$/m);
    // Its deployment entries fit: manifests rendered and cross-checked, its Dockerfile entry, its migrations on PostgreSQL.
    const deploy = await inCopy(copy, 'npx', ['vitest', 'run', 'tools/deploy/manifests.test.ts', 'tools/deploy/dockerfiles.test.ts', 'tools/deploy/migrations.test.ts', '-t', 'overlay|ingress|Dockerfile|compose|demo-service migrations', '--reporter=verbose', '--reporter=./tools/vitest/totals-reporter.ts']);
    expect(deploy.stdout).toMatch(/^\d+ passed, 0 failed/m);
    const ran = stripVTControlCharacters(deploy.stdout);
    expect(ran).toMatch(/✓ .*demo-service migrations > /);
    expect(ran).toMatch(/✓ .*overlay prod > demo-service > gets an environment its configuration loader accepts/);

    // Alone, as in Kubernetes: its main.ts.
    const alonePort = await freePort();
    const alone = await startPart(copy, 'demo-service/src/main.ts', { HTTP_PORT: String(alonePort), DB_URL: ':memory:' }, `http://127.0.0.1:${alonePort}`);
    alone.kill('SIGTERM');

    // In `npm start`, beside the platform's services, and through the gateway.
    const [gatewayPort, platformHttp, platformGrpc, commandsHttp, demoHttp] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const gateway = `http://127.0.0.1:${gatewayPort}`;
    const platform = await startPart(
      copy,
      'start.ts',
      {
        GATEWAY_PORT: String(gatewayPort),
        PLATFORM_SERVICE_HTTP_PORT: String(platformHttp),
        PLATFORM_SERVICE_GRPC_PORT: String(platformGrpc),
        COMMANDS_SERVICE_HTTP_PORT: String(commandsHttp),
        DEMO_SERVICE_HTTP_PORT: String(demoHttp),
        DATA_DIR: join(copy, 'data'),
        LOG_FORMAT: 'json',
      },
      gateway,
    );
    try {
      const answer = await fetch(`${gateway}/api/demo/items`);
      expect({ status: answer.status, body: await answer.json() }).toEqual({ status: 200, body: [] });
      const ready = (await (await fetch(`${gateway}/readyz`)).json()) as { checks: Record<string, { ok: boolean }> };
      expect(ready.checks['demo-service']).toMatchObject({ ok: true });
    } finally {
      platform.kill('SIGTERM');
    }
  }, 240_000);

  it('refuses a name that exists, or that is not kebab-case', async () => {
    await expect(inCopy(copy, 'node', ['tools/new-service/new-service.ts', 'demo-service'])).rejects.toMatchObject({ stderr: expect.stringContaining('cannot add service demo-service: demo-service exists') });
    await expect(inCopy(copy, 'node', ['tools/new-service/new-service.ts', 'Demo_Service'])).rejects.toMatchObject({ stderr: expect.stringContaining('use lower-case words joined by "-"') });
  });
});
