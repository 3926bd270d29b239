/**
 * The client packages as `npm run generate` builds them: one per OpenAPI document, one per proto
 * package and one per AsyncAPI document, compiled to ESM with declarations, runtime-free, versioned
 * with the contract release, and accepted by `npm pack`. (e2e/consumer.test.ts installs and uses
 * them from outside.)
 */
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as EventContract from '@platform/gen/asyncapi/platform-events/contract.ts';
import { sha256 } from '../contracts/release-manifest.ts';
import { generateAsyncapi } from './asyncapi.ts';
import { generateOpenapi } from './openapi.ts';
import { generatePackages } from './packages.ts';
import { buildPackage, withJsSpecifiers } from './packages/build.ts';
import { runNpm } from './packages/npm.ts';
import { packageVersion } from './packages/version.ts';
import { generateProto } from './proto.ts';

const root = join(import.meta.dirname, '../..');
const released = JSON.parse(await readFile(join(root, 'contracts/released/release.json'), 'utf8')) as { version: string };
const installed = async (name: string) => (JSON.parse(await readFile(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
const temps: string[] = [];

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

afterAll(() => Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true }))));

async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1)).toSorted();
}

interface Manifest {
  name: string;
  version: string;
  type: string;
  engines: Record<string, string>;
  exports: Record<string, unknown>;
  dependencies: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  files: string[];
}

describe('the client packages', () => {
  let genDir: string;
  const manifestOf = async (folder: string) => JSON.parse(await readFile(join(genDir, 'packages', folder, 'package.json'), 'utf8')) as Manifest;

  beforeAll(async () => {
    genDir = join(await tempDir('packages-'), 'gen');
    const ctx = { root, contractsDir: join(root, 'contracts'), genDir };
    await generateProto(ctx);
    await generateOpenapi(ctx);
    await generateAsyncapi(ctx, { html: false });
    await generatePackages(ctx);
  }, 120_000);

  it('are-one-rest-client-per-openapi-document-one-descriptor-package-per-proto-package-and-one-event-package-per-asyncapi-document', async () => {
    expect(await readdir(join(genDir, 'packages'))).toEqual(['commands-service-client', 'platform-events', 'platform-service-client', 'platforms-v1']);
    expect(await filesBelow(join(genDir, 'packages/platform-service-client'))).toEqual([
      'README.md',
      'dist/client.d.ts',
      'dist/client.js',
      'dist/types.d.ts',
      'dist/types.js',
      'openapi.yaml',
      'package.json',
    ]);
    expect(await filesBelow(join(genDir, 'packages/platforms-v1'))).toEqual([
      'README.md',
      'dist/index.d.ts',
      'dist/index.js',
      'dist/platforms/v1/platforms_pb.d.ts',
      'dist/platforms/v1/platforms_pb.js',
      'package.json',
      'proto/platforms/v1/platforms.proto',
    ]);
    expect(await filesBelow(join(genDir, 'packages/platform-events'))).toEqual([
      'README.md',
      'asyncapi.yaml',
      'dist/amqp.d.ts',
      'dist/amqp.js',
      'dist/contract.d.ts',
      'dist/contract.js',
      'package.json',
    ]);
  });

  it('declare-the-release-version-their-exports-engines-and-dependencies', async () => {
    const rest = await manifestOf('platform-service-client');
    // The release's version while the contract is what was released (see 'package versions').
    expect(rest).toMatchObject({
      name: '@contract-first/platform-service-client',
      version: await packageVersion(root, ['contracts/openapi/platform-service.yaml']),
      type: 'module',
      engines: { node: '>=20' },
      exports: {
        '.': { types: './dist/client.d.ts', default: './dist/client.js' },
        './types': { types: './dist/types.d.ts', default: './dist/types.js' },
        './openapi.yaml': './openapi.yaml',
      },
      dependencies: { 'openapi-fetch': `^${await installed('openapi-fetch')}` },
      files: ['dist', 'openapi.yaml'],
    });
    expect(await manifestOf('platforms-v1')).toMatchObject({
      name: '@contract-first/platforms-v1',
      version: await packageVersion(root, ['contracts/proto/platforms/v1']),
      exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './proto/platforms/v1/platforms.proto': './proto/platforms/v1/platforms.proto' },
      dependencies: { '@bufbuild/protobuf': `^${await installed('@bufbuild/protobuf')}` },
    });
    const events = await manifestOf('platform-events');
    expect(events).toMatchObject({
      name: '@contract-first/platform-events',
      version: await packageVersion(root, ['contracts/asyncapi/platform-events.yaml']),
      engines: { node: '>=20' },
      exports: {
        '.': { types: './dist/contract.d.ts', default: './dist/contract.js' },
        './amqp': { types: './dist/amqp.d.ts', default: './dist/amqp.js' },
        './asyncapi.yaml': './asyncapi.yaml',
      },
      files: ['asyncapi.yaml', 'dist'],
    });
    // ajv at run time; amqplib only for the types of ./amqp, brought by whoever uses it.
    expect(events.dependencies).toEqual({ ajv: `^${await installed('ajv')}` });
    expect(events.peerDependencies).toEqual({ amqplib: `^${await installed('amqplib')}` });
    expect(events.peerDependenciesMeta).toEqual({ amqplib: { optional: true } });
    expect((await manifestOf('platform-service-client')).peerDependencies).toBeUndefined();
  });

  it('are-compiled-javascript-that-imports-only-its-own-files-and-dependencies', async () => {
    const client = await readFile(join(genDir, 'packages/platform-service-client/dist/client.js'), 'utf8');
    expect(client).toContain("import createClient from 'openapi-fetch';");
    expect(client).toContain('export function createPlatformServiceClient(baseUrl, options = {})');
    expect(client).not.toMatch(/: string|@platform\//);
    expect(await readFile(join(genDir, 'packages/platform-service-client/dist/client.d.ts'), 'utf8')).toContain("from './types.js';");
    const descriptors = (await import(join(genDir, 'packages/platforms-v1/dist/index.js'))) as Record<string, { typeName?: string }>;
    expect(descriptors.PlatformService?.typeName).toBe('platforms.v1.PlatformService');
    const contract = await readFile(join(genDir, 'packages/platform-events/dist/contract.js'), 'utf8');
    expect([...contract.matchAll(/^import .* from '([^']+)';$/gm)].map((match) => match[1])).toEqual(['ajv']);
    const amqp = await readFile(join(genDir, 'packages/platform-events/dist/amqp.js'), 'utf8');
    expect([...amqp.matchAll(/^import .* from '([^']+)';$/gm)].map((match) => match[1])).toEqual(['./contract.js']);
    expect(await readFile(join(genDir, 'packages/platform-events/dist/amqp.d.ts'), 'utf8')).toContain("import type { Channel, ConfirmChannel, Message, Options } from 'amqplib';");
    const events = (await import(join(genDir, 'packages/platform-events/dist/contract.js'))) as typeof EventContract;
    const message = events.createPlatformPublishedMessage({ id: 1, name: 'Dot Net', publisher: 'Microsoft', cost: 'Free' });
    expect(events.decodePlatformEventsMessage(message)).toEqual({ type: 'platform.published', payload: { id: 1, name: 'Dot Net', publisher: 'Microsoft', cost: 'Free' } });
  });

  it('show-a-use-built-from-the-contract-in-their-readme', async () => {
    const rest = await readFile(join(genDir, 'packages/platform-service-client/README.md'), 'utf8');
    expect(rest).toContain("const { data, error, response } = await client.GET('/api/platforms/{id}', { params: { path: { id: 1 } } });");
    const proto = await readFile(join(genDir, 'packages/platforms-v1/README.md'), 'utf8');
    expect(proto).toContain('const client = createClient(PlatformService, createGrpcTransport(');
    expect(proto).toContain('for await (const message of client.streamPlatforms({})) console.log(message);');
    expect(proto).toContain('## grpc-js');
    const events = await readFile(join(genDir, 'packages/platform-events/README.md'), 'utf8');
    expect(events).toContain("const queue = await bindPlatformEventsQueue(channel, { queue: 'my-service.platform-events' });");
    expect(events).toContain('const event = decodePlatformEventsMessage(toEventMessage(delivery));');
    expect(events).toContain("const sent = await publishPlatformPublished(channel, { id: 1, name: 'Dot Net', publisher: 'Microsoft', cost: 'Free' }, { exchange });");
    expect(events).toContain('| `platform.deleted` | `platform.events` / `platform.deleted` | `PlatformDeleted` | `decodePlatformDeleted` | `createPlatformDeletedMessage` |');
  });

  it('pack-with-npm', async () => {
    for (const folder of ['platform-service-client', 'commands-service-client', 'platforms-v1', 'platform-events']) {
      const [packed] = JSON.parse(await runNpm(['pack', '--dry-run', '--json'], join(genDir, 'packages', folder))) as { name: string; files: { path: string }[] }[];
      const files = packed!.files.map((file) => file.path);
      expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', expect.stringMatching(/^dist\/.*\.js$/), expect.stringMatching(/^dist\/.*\.d\.ts$/)]));
    }
  });
});

describe('building a package', () => {
  it('refuses-a-module-that-imports-what-the-package-does-not-declare', async () => {
    const genDir = await tempDir('package-build-');
    await mkdir(join(genDir, 'bad'));
    await writeFile(join(genDir, 'bad/index.ts'), "import { parse } from 'yaml';\nexport const value: unknown = parse('a: 1');\n");
    const spec = {
      name: '@contract-first/bad',
      folder: 'bad',
      description: 'bad',
      keywords: [],
      contracts: ['contracts/openapi/platform-service.yaml'],
      modules: { 'index.ts': { gen: 'bad/index.ts' } },
      entryPoints: { '.': 'index.ts' },
      dependencies: [],
      files: {},
      readme: () => '',
    };
    await expect(buildPackage(root, genDir, spec, join(genDir, 'out'))).rejects.toThrow(
      'cannot build package @contract-first/bad: index.js imports "yaml", which is not among its dependencies. A package module must be runtime-free: it may import only its own modules and its dependencies (none)',
    );
  });

  it('writes-relative-ts-specifiers-as-the-js-files-they-compile-to', () => {
    expect(withJsSpecifiers("import type { a } from './types.ts';\nexport * from '../x/y_pb.ts';\nimport '@scope/pkg.ts';\n")).toBe(
      "import type { a } from './types.js';\nexport * from '../x/y_pb.js';\nimport '@scope/pkg.ts';\n",
    );
  });
});

/** A root with one contract file and, when given, a release that recorded `releasedBytes` for it. */
async function rootWith(bytes: string, release?: { version: string; releasedBytes: string }): Promise<string> {
  const dir = await tempDir('package-version-');
  await mkdir(join(dir, 'contracts/openapi'), { recursive: true });
  await writeFile(join(dir, 'contracts/openapi/shop.yaml'), bytes);
  if (release) {
    await mkdir(join(dir, 'contracts/released'));
    const manifest = { version: release.version, date: '', commit: null, fromWorkingTree: false, buf: '', sources: { 'contracts/openapi/shop.yaml': sha256(release.releasedBytes) }, files: {} };
    await writeFile(join(dir, 'contracts/released/release.json'), JSON.stringify(manifest));
  }
  return dir;
}

describe('package versions', () => {
  const semver = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?$/;

  it('is-the-release-when-the-contract-is-what-was-released', async () => {
    expect(await packageVersion(await rootWith('a', { version: '1.2.0', releasedBytes: 'a' }), ['contracts/openapi/shop.yaml'])).toBe('1.2.0');
  });

  it('is-a-prerelease-of-the-next-patch-named-after-the-contract-bytes-when-they-differ', async () => {
    const version = await packageVersion(await rootWith('b', { version: '1.2.0', releasedBytes: 'a' }), ['contracts/openapi/shop.yaml']);
    expect(version).toMatch(/^1\.2\.1-dev\.sha-[0-9a-f]{12}$/);
    expect(version).toMatch(semver);
    expect(await packageVersion(await rootWith('b', { version: '1.2.0', releasedBytes: 'a' }), ['contracts/openapi/shop.yaml'])).toBe(version);
    expect(await packageVersion(await rootWith('c', { version: '1.2.0', releasedBytes: 'a' }), ['contracts/openapi/shop.yaml'])).not.toBe(version);
  });

  it('counts-a-contract-folder-file-by-file', async () => {
    const dir = await rootWith('a', { version: '3.0.0', releasedBytes: 'a' });
    expect(await packageVersion(dir, ['contracts/openapi'])).toBe('3.0.0');
    await writeFile(join(dir, 'contracts/openapi/new.yaml'), 'new');
    expect(await packageVersion(dir, ['contracts/openapi'])).toMatch(/^3\.0\.1-dev\.sha-/);
  });

  it('starts-at-0.0.0-before-any-release', async () => {
    expect(await packageVersion(await rootWith('a'), ['contracts/openapi/shop.yaml'])).toMatch(/^0\.0\.0-dev\.sha-[0-9a-f]{12}$/);
  });

  it('of-the-repository-moves-to-a-prerelease-when-a-contract-is-edited', async () => {
    const copy = await tempDir('package-version-repo-');
    await cp(join(root, 'contracts'), join(copy, 'contracts'), { recursive: true });
    const [major, minor, patch] = released.version.split('.').map(Number);
    await writeFile(join(copy, 'contracts/openapi/platform-service.yaml'), '# edited\n', { flag: 'a' });
    expect(await packageVersion(copy, ['contracts/openapi/platform-service.yaml'])).toMatch(new RegExp(`^${major}\\.${minor}\\.${patch! + 1}-dev\\.sha-[0-9a-f]{12}$`));
  });
});
