/**
 * The contracts as another team uses them, from outside the workspace: `npm pack` of every client
 * package (gen/packages/*), a scratch project in a temporary folder with its own package.json that
 * installs the tarballs and the client libraries (no workspace, no path imports), a TypeScript
 * type-check of its code and of every `ts` block of the packages' READMEs, then its programs
 * against the running platform over REST (the generated clients, through the gateway), gRPC
 * (connect-node with the descriptors package; grpc-js with the .proto the package ships) and
 * RabbitMQ (plain amqplib with the event contract's package). The programs that do not need
 * connect-node run under the machine's Node 20 when it has one, as the packages claim Node 20+.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runNpm } from '@platform/tools/generate/packages/npm.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteBrokerObjects, localBrokerUrl, uniqueBrokerNames } from './broker.ts';
import { repositoryRoot, startPlatform } from './platform-process.ts';
import type { RunningPlatform } from './platform-process.ts';

const run = promisify(execFile);
const packagesDir = join(repositoryRoot, 'gen', 'packages');
const broker = uniqueBrokerNames();

/** The version of a package this repository installs: the consumer pins the same, so npm's cache has it. */
async function installed(name: string): Promise<string> {
  return (JSON.parse(await readFile(join(repositoryRoot, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The machine's Node 20 (/usr/bin/node) when it has one, else this Node: the programs that can run on Node 20 run on it. */
async function oldestNode(): Promise<{ readonly path: string; readonly version: string }> {
  const version = await run('/usr/bin/node', ['--version']).then(({ stdout }) => stdout.trim(), () => '');
  return version.startsWith('v20.') ? { path: '/usr/bin/node', version } : { path: process.execPath, version: process.version };
}

/** Every ```ts block of a README. */
function tsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
}

let scratch: string;
let project: string;
let platform: RunningPlatform | undefined;
let oldest: { readonly path: string; readonly version: string };
let packageNames: string[];

/** Runs a compiled program of the consumer (dist/src/<name>.js); resolves with the JSON line it printed. */
async function consumer(name: string, node: string, env: Readonly<Record<string, string>>): Promise<Record<string, unknown>> {
  const { stdout } = await run(node, [join('dist', 'src', `${name}.js`)], { cwd: project, env: { ...process.env, ...env }, timeout: 90_000 }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`cannot run the consumer's ${name}.js with ${node}: ${error.stderr || error.stdout || error.message}`);
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'contract-consumer-'));
  project = join(scratch, 'project');
  const tarballs = join(scratch, 'tarballs');
  await mkdir(tarballs);

  // The packages as a registry would serve them.
  const folders = (await readdir(packagesDir)).map((folder) => join(packagesDir, folder));
  const packed = JSON.parse(await runNpm(['pack', ...folders, '--pack-destination', tarballs, '--json'], repositoryRoot)) as { name: string; filename: string }[];
  packageNames = packed.map((entry) => entry.name);

  // A project of its own: its package.json, tsconfig and sources; nothing of the repository.
  await cp(join(repositoryRoot, 'e2e', 'consumer'), project, { recursive: true });
  const connectVersion = await installed('@connectrpc/connect');
  const manifest = {
    name: 'contract-consumer',
    private: true,
    type: 'module',
    dependencies: {
      ...Object.fromEntries(packed.map((entry) => [entry.name, `file:../tarballs/${entry.filename}`])),
      '@bufbuild/protobuf': await installed('@bufbuild/protobuf'),
      '@connectrpc/connect': connectVersion,
      '@connectrpc/connect-node': await installed('@connectrpc/connect-node'),
      // Released together with @connectrpc/connect, at the same version; only type-checked here (the README's browser use).
      '@connectrpc/connect-web': connectVersion,
      '@grpc/grpc-js': await installed('@grpc/grpc-js'),
      '@grpc/proto-loader': await installed('@grpc/proto-loader'),
      // The event package's optional peer: the consumer brings its own amqplib.
      amqplib: await installed('amqplib'),
    },
    devDependencies: { typescript: await installed('typescript'), '@types/node': await installed('@types/node') },
  };
  await writeFile(join(project, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await runNpm(['install', '--no-audit', '--no-fund', '--prefer-offline'], project);

  // The README of each package as installed, and the repository README's section on this, their ts blocks compiled with the project's code.
  await mkdir(join(project, 'readme'));
  for (const name of packageNames) {
    const readme = await readFile(join(project, 'node_modules', name, 'README.md'), 'utf8');
    for (const [index, block] of tsBlocks(readme).entries()) await writeFile(join(project, 'readme', `${name.split('/')[1]}-${index + 1}.ts`), block);
  }
  const section = /^## Use the contracts from another project\n([\s\S]*?)^## /m.exec(await readFile(join(repositoryRoot, 'README.md'), 'utf8'))?.[1] ?? '';
  for (const [index, block] of tsBlocks(section).entries()) await writeFile(join(project, 'readme', `repository-${index + 1}.ts`), block);

  oldest = await oldestNode();
  platform = await startPlatform({ DATA_DIR: join(scratch, 'data'), AMQP_URL: localBrokerUrl, AMQP_EXCHANGE: broker.exchange, AMQP_QUEUE: broker.queue });
}, 300_000);

afterAll(async () => {
  await platform?.stop();
  await deleteBrokerObjects(broker);
  if (scratch) await rm(scratch, { recursive: true, force: true });
}, 60_000);

describe('a project outside the workspace', () => {
  it('installs-every-package-from-its-tarball-with-its-declared-dependencies', async () => {
    expect(packageNames.toSorted()).toEqual([
      '@contract-first/commands-service-client',
      '@contract-first/platform-events',
      '@contract-first/platform-service-client',
      '@contract-first/platforms-v1',
    ]);
    const lock = JSON.parse(await readFile(join(project, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string; link?: boolean }> };
    for (const name of packageNames) {
      expect(lock.packages[`node_modules/${name}`]?.resolved).toMatch(/^file:\.\.\/tarballs\/.*\.tgz$/);
      expect(lock.packages[`node_modules/${name}`]?.link).toBeUndefined();
    }
    expect(lock.packages['node_modules/openapi-fetch']).toBeDefined();
    expect(lock.packages['node_modules/ajv']).toBeDefined();
    // One amqplib, the project's own, shared with the event package (an optional peer of it).
    expect(lock.packages['node_modules/@contract-first/platform-events/node_modules/amqplib']).toBeUndefined();
  });

  it('type-checks-its-code-and-every-ts-block-of-the-package-readmes-and-of-the-repository-readme-section', async () => {
    const readmeBlocks = await readdir(join(project, 'readme'));
    expect(readmeBlocks.toSorted()).toEqual([
      'commands-service-client-1.ts',
      'platform-events-1.ts',
      'platform-events-2.ts',
      'platform-service-client-1.ts',
      'platforms-v1-1.ts',
      'platforms-v1-2.ts',
      'platforms-v1-3.ts',
      'repository-1.ts',
      'repository-2.ts',
    ]);
    const tsc = join(project, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', '.', '--pretty', 'false'], { cwd: project }).then(
      () => '',
      (error: { stdout?: string; message: string }) => error.stdout || error.message,
    );
    // src/rest.ts also holds calls the contract forbids, each under @ts-expect-error: with `any` types they would fail as unused.
    expect(result).toBe('');
  }, 60_000);

  it('calls-both-rest-apis-through-the-gateway-with-the-generated-clients', async () => {
    const name = `Consumer ${Date.now()}`;
    const result = await consumer('rest', oldest.path, { GATEWAY_URL: platform!.gatewayUrl, PLATFORM_NAME: name });
    expect(result.node).toBe(oldest.version);
    const created = result.created as { id: number; name: string };
    expect(created).toMatchObject({ name, publisher: 'Consumer Inc.', cost: 'Free' });
    expect(result).toMatchObject({
      location: `/api/platforms/${created.id}`,
      read: created,
      missing: { status: 404, problem: { status: 404, title: 'Not Found', detail: 'cannot find platform 2147483647: no such id' } },
      invalid: { status: 400, fields: ['name'] },
      knownToCommandsService: true,
      command: { howTo: 'List the containers', commandLine: 'docker ps', platformId: created.id },
    });
  }, 120_000);

  it('calls-platforms-v1-over-grpc-and-connect-with-connect-node-and-the-descriptors', async () => {
    const result = await consumer('grpc-connect', process.execPath, { GRPC_URL: platform!.grpcUrl });
    const names = result.names as string[];
    expect(names).toEqual(expect.arrayContaining(['Dot Net', 'SQL Server Express', 'Kubernetes']));
    expect(result.viaConnect).toEqual(names);
    expect((result.batches as number[]).reduce((sum, size) => sum + size, 0)).toBe(names.length);
    expect(Math.max(...(result.batches as number[]))).toBe(2);
  }, 60_000);

  it('calls-platforms-v1-with-grpc-js-and-the-shipped-proto-and-re-encodes-with-the-package-schemas', async () => {
    const result = await consumer('grpc-js', oldest.path, { GRPC_URL: platform!.grpcUrl });
    expect(result.node).toBe(oldest.version);
    expect(result.names).toEqual(expect.arrayContaining(['Dot Net', 'SQL Server Express', 'Kubernetes']));
    expect(result.reencoded).toEqual(result.names);
  }, 60_000);

  it('consumes-a-platform-published-event-with-plain-amqplib-and-the-events-package', async () => {
    const name = `Events ${Date.now()}`;
    const result = await consumer('events', oldest.path, { AMQP_URL: localBrokerUrl, AMQP_EXCHANGE: broker.exchange, GATEWAY_URL: platform!.gatewayUrl, PLATFORM_NAME: name });
    expect(result.node).toBe(oldest.version);
    const id = result.id as number;
    const created = { id, name, publisher: 'Events Inc.', cost: 'Free' };
    expect(result.published).toEqual(created);
    // As the contract says the platform sends it: persistent, typed, from platform-service, with an id.
    expect(result.properties).toEqual({ type: 'platform.published', appId: 'platform-service', contentType: 'application/json', deliveryMode: 2, messageId: 'string' });
    // At least once, in any order: the versions say which is newer.
    expect(result.events).toHaveLength(3);
    expect(result.events).toEqual(
      expect.arrayContaining([
        { type: 'platform.published', payload: created },
        { type: 'platform.updated', payload: { ...created, name: `${name} renamed`, version: 2 } },
        { type: 'platform.deleted', payload: { id, version: 3 } },
      ]),
    );
    expect(result.tolerant).toEqual({ payload: created, header: '2' });
    expect(result.refused).toEqual({ code: 'poison_message', message: 'cannot handle platform.published: /cost is required', details: [{ path: '/cost', message: 'is required' }] });
  }, 120_000);
});
