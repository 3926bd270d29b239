/**
 * `npm run dev` on a copy of the repository (its sources, contracts and gen/, with node_modules
 * linked): a contract edit regenerates and restarts the platform, which then follows the new
 * contract; a code edit restarts it; a platform created before either is still there afterwards.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { appendFile, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse, stringify } from 'yaml';
import { freePort } from '../../e2e/platform-process.ts';

const repositoryRoot = join(import.meta.dirname, '../..');
const workspaces = ['runtime', 'platform-service', 'commands-service', 'gateway', 'tools'];

/**
 * A copy of what `npm run dev` reads and runs. node_modules is a folder of links to the
 * repository's packages, but for @platform/*, which point into the copy (as npm links workspaces).
 */
async function repositoryCopy(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'dev-loop-'));
  for (const file of ['package.json', 'start.ts', 'added-services.ts', 'buf.yaml', 'buf.gen.yaml']) await cp(join(repositoryRoot, file), join(root, file));
  for (const dir of ['contracts', 'gen', ...workspaces]) {
    await cp(join(repositoryRoot, dir), join(root, dir), { recursive: true, filter: (source) => basename(source) !== 'node_modules' });
  }
  // A workspace's own installs (a version the root does not hoist: tools' generators, the gateway's undici).
  for (const workspace of workspaces) {
    const nested = join(repositoryRoot, workspace, 'node_modules');
    if (await stat(nested).catch(() => undefined)) await symlink(nested, join(root, workspace, 'node_modules'), 'dir');
  }
  await mkdir(join(root, 'node_modules/@platform'), { recursive: true });
  for (const entry of await readdir(join(repositoryRoot, 'node_modules'))) {
    if (entry !== '@platform') await symlink(join(repositoryRoot, 'node_modules', entry), join(root, 'node_modules', entry));
  }
  for (const dir of [...workspaces, 'gen']) await symlink(`../../${dir}`, join(root, 'node_modules/@platform', dir), 'dir');
  return root;
}

let root: string;
let dev: ChildProcess;
let gateway: string;
const output: string[] = [];
const waiting = { timeout: 90_000, interval: 100 };
/** Waits for `line` from the dev loop, then for the platform to be ready after it; resolves with where that is. */
async function readyAfter(line: string, from = 0): Promise<number> {
  const said = await vi.waitFor(() => {
    const index = output.indexOf(line, from);
    expect(index, `"${line}" among:\n${output.filter((entry) => entry.startsWith('dev:')).join('\n')}`).toBeGreaterThanOrEqual(0);
    return index;
  }, waiting);
  return vi.waitFor(() => {
    const ready = output.findIndex((entry, index) => index > said && entry.includes('"msg":"platform ready"'));
    expect(ready).toBeGreaterThan(said);
    return ready;
  }, waiting);
}

async function createPlatform(name: string): Promise<Response> {
  return fetch(`${gateway}/api/platforms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, publisher: 'Dev Loop', cost: 'Free' }) });
}

beforeAll(async () => {
  root = await repositoryCopy();
  const ports = { GATEWAY_PORT: await freePort(), PLATFORM_SERVICE_HTTP_PORT: await freePort(), PLATFORM_SERVICE_GRPC_PORT: await freePort(), COMMANDS_SERVICE_HTTP_PORT: await freePort() };
  gateway = `http://127.0.0.1:${ports.GATEWAY_PORT}`;
  dev = spawn(process.execPath, [join(root, 'tools/dev/dev.ts'), '--root', root], {
    cwd: root,
    env: { ...process.env, ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])), AMQP_URL: '', DATA_DIR: join(root, 'data'), LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let pending = '';
  const collect = (chunk: Buffer): void => {
    const lines = (pending + chunk.toString('utf8')).split('\n');
    pending = lines.pop() ?? '';
    output.push(...lines);
  };
  dev.stdout?.on('data', collect);
  dev.stderr?.on('data', collect);
  await vi.waitFor(() => {
    if (!output.some((line) => line.includes('"msg":"platform ready"'))) throw new Error(`the platform is not ready yet:\n${output.join('\n')}`);
  }, waiting);
}, 120_000);

afterAll(async () => {
  if (dev && dev.exitCode === null) {
    const exited = new Promise((resolve) => dev.once('exit', resolve));
    dev.kill('SIGTERM');
    await exited;
  }
  await rm(root, { recursive: true, force: true });
}, 60_000);

describe('npm run dev', () => {
  let before: { id: number };

  it('starts-the-platform-as-npm-start-does', async () => {
    const response = await createPlatform('Created before the edits');
    expect(response.status).toBe(201);
    before = (await response.json()) as { id: number };
  });

  it('regenerates-on-a-contract-edit-and-restarts-on-the-new-contract-keeping-the-data', async () => {
    const contract = join(root, 'contracts/openapi/platform-service.yaml');
    const document = parse(await readFile(contract, 'utf8')) as { components: { schemas: { PlatformCreate: { properties: { name: { maxLength: number } } } } } };
    document.components.schemas.PlatformCreate.properties.name.maxLength = 5;
    await writeFile(contract, stringify(document));

    await readyAfter('dev: restarting the platform (gen/ regenerated; data stays)');
    expect(output).toContainEqual('dev: openapi contract changed: npm run generate openapi packages');
    expect(await readFile(join(root, 'gen/openapi/platform-service/server.ts'), 'utf8')).toMatch(/"maxLength": 5,/);
    // The restarted platform validates against the regenerated contract.
    const tooLong = await createPlatform('Kubernetes');
    expect(tooLong.status).toBe(400);
    expect(await tooLong.json()).toMatchObject({ errors: [{ field: 'name', in: 'body', message: 'must NOT have more than 5 characters' }] });
    expect((await fetch(`${gateway}/api/platforms/${before.id}`)).status).toBe(200);
  }, 120_000);

  it('leaves-the-platform-running-when-a-contract-does-not-generate-and-picks-up-the-fix', async () => {
    const contract = join(root, 'contracts/openapi/platform-service.yaml');
    const valid = await readFile(contract, 'utf8');
    const from = output.length;
    await writeFile(contract, valid.replace(/^openapi: 3\.1\.0$/m, 'openapi: 3.0.3'));
    await vi.waitFor(() => expect(output.slice(from)).toContainEqual(expect.stringMatching(/^dev: generation failed: the platform keeps running on the previous contracts/)), waiting);
    expect((await fetch(`${gateway}/api/platforms/${before.id}`)).status).toBe(200);
    const fixed = output.length;
    await writeFile(contract, valid);
    await readyAfter('dev: restarting the platform (gen/ regenerated; data stays)', fixed);
  }, 120_000);

  it('restarts-on-a-code-edit-keeping-the-data', async () => {
    const from = output.length;
    await appendFile(join(root, 'runtime/src/http/index.ts'), '// an edit\n');
    await readyAfter('dev: restarting the platform (runtime/src/http/index.ts changed; data stays)', from);
    expect((await fetch(`${gateway}/api/platforms/${before.id}`)).status).toBe(200);
  }, 120_000);

  it('stops-the-platform-and-exits-0-on-sigterm', async () => {
    const exited = new Promise<number | null>((resolve) => dev.once('exit', resolve));
    dev.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fetch(`${gateway}/healthz`)).rejects.toThrow('fetch failed');
  }, 60_000);
});
