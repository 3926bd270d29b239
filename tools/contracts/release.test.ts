import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readImage } from './descriptor-diff.ts';
import type { Json } from './json-ref.ts';
import { releaseContracts } from './release.ts';
import { readManifest, sha256 } from './release-manifest.ts';
import { at, copyContracts, repositoryRoot, type ContractsCopy } from './test-support.ts';

const run = promisify(execFile);
const releaseCli = join(repositoryRoot, 'tools/contracts/release.ts');

let copy: ContractsCopy | undefined;

afterEach(async () => {
  await copy?.remove();
  copy = undefined;
});

async function fresh(): Promise<ContractsCopy> {
  copy = await copyContracts();
  return copy;
}

async function removePlatformCost(c: ContractsCopy): Promise<void> {
  await c.editYaml('contracts/openapi/platform-service.yaml', (doc) => {
    const platform = at(doc, 'components', 'schemas', 'Platform');
    delete at(platform, 'properties').cost;
    platform.required = ['id', 'name', 'publisher'];
  });
}

describe('releasing a baseline', () => {
  it('writes-the-image-the-documents-the-version-and-their-hashes', async () => {
    const c = await fresh();
    const manifest = await releaseContracts({ root: c.root, version: '1.0.0', date: new Date('2025-01-02T03:04:05Z'), commit: 'abc' });
    const released = join(c.root, 'contracts/released');

    expect((await readdir(released, { recursive: true })).toSorted()).toEqual([
      'VERSION',
      'asyncapi',
      'asyncapi/platform-events.yaml',
      'openapi',
      'openapi/commands-service.yaml',
      'openapi/platform-service.yaml',
      'proto.binpb',
      'release.json',
    ]);
    expect(await readFile(join(released, 'VERSION'), 'utf8')).toBe('1.0.0\n');
    expect(await readManifest(released)).toEqual(manifest);
    expect(manifest).toMatchObject({ version: '1.0.0', date: '2025-01-02T03:04:05.000Z', commit: 'abc', fromWorkingTree: false, buf: '1.74.0' });
    const source = await readFile(join(c.root, 'contracts/openapi/platform-service.yaml'));
    expect(await readFile(join(released, 'openapi/platform-service.yaml'))).toEqual(source);
    expect(manifest.sources['contracts/openapi/platform-service.yaml']).toBe(sha256(source));
    expect(Object.keys(manifest.sources)).toContain('contracts/proto/platforms/v1/platforms.proto');
    const image = await readFile(join(released, 'proto.binpb'));
    expect(manifest.files['proto.binpb']).toBe(sha256(image));
    expect(readImage(image).file.map((file) => file.name)).toEqual(['platforms/v1/platforms.proto']);
  });

  it('builds-the-same-image-bytes-every-time', async () => {
    const c = await fresh();
    const first = await releaseContracts({ root: c.root, version: '1.0.0' });
    const second = await releaseContracts({ root: c.root, version: '1.0.0', replace: true });
    expect(second.files).toEqual(first.files);
  });

  it('never-goes-backwards-and-never-repeats-a-version', async () => {
    const c = await fresh();
    await releaseContracts({ root: c.root, version: '1.1.0' });
    await expect(releaseContracts({ root: c.root, version: '1.0.9' })).rejects.toThrow('cannot release 1.0.9: the baseline is already 1.1.0 and versions never go backwards');
    await expect(releaseContracts({ root: c.root, version: '1.1.0' })).rejects.toThrow('cannot release 1.1.0: it is already released (pass --replace');
    await expect(releaseContracts({ root: c.root, version: '1.2.0', replace: true })).rejects.toThrow('--replace re-cuts the current version 1.1.0 only');
  });

  it('rejects-a-malformed-version', async () => {
    const c = await fresh();
    await expect(releaseContracts({ root: c.root, version: 'v1' })).rejects.toThrow('cannot read version "v1": expected MAJOR.MINOR.PATCH');
  });

  it('needs-a-new-major-version-for-breaking-changes', async () => {
    const c = await fresh();
    await releaseContracts({ root: c.root, version: '1.0.0' });
    await removePlatformCost(c);
    await expect(releaseContracts({ root: c.root, version: '1.1.0' })).rejects.toThrow(
      /cannot release 1\.1\.0: 1 breaking change\(s\) since 1\.0\.0 need a new major version \(2\.0\.0\)[\s\S]*response field Platform\.cost: removed/,
    );
    expect((await readManifest(join(c.root, 'contracts/released')))?.version).toBe('1.0.0');
    await expect(releaseContracts({ root: c.root, version: '2.0.0' })).resolves.toMatchObject({ version: '2.0.0' });
  });

  it('takes-additive-changes-in-a-minor-version', async () => {
    const c = await fresh();
    await releaseContracts({ root: c.root, version: '1.0.0' });
    await c.editText('contracts/proto/platforms/v1/platforms.proto', 'string cost = 4;', 'string cost = 4;\n  optional string homepage = 6;');
    await expect(releaseContracts({ root: c.root, version: '1.1.0' })).resolves.toMatchObject({ version: '1.1.0' });
  });

  it('re-cuts-an-unshipped-version-with-replace-even-when-it-breaks', async () => {
    const c = await fresh();
    await releaseContracts({ root: c.root, version: '1.0.0' });
    await removePlatformCost(c);
    const manifest = await releaseContracts({ root: c.root, version: '1.0.0', replace: true });
    const released = parse(await readFile(join(c.root, 'contracts/released/openapi/platform-service.yaml'), 'utf8')) as Json;
    expect(Object.keys(at(released, 'components', 'schemas', 'Platform', 'properties'))).toEqual(['id', 'name', 'publisher']);
    expect(manifest.version).toBe('1.0.0');
  });
});

describe('the command line', () => {
  it('releases-what-is-committed-at-head-and-leaves-uncommitted-edits-out', async () => {
    const c = await fresh();
    const git = (...args: string[]): Promise<{ stdout: string }> => run('git', ['-c', 'user.email=gate@test', '-c', 'user.name=gate', ...args], { cwd: c.root });
    await git('init', '-q');
    await git('add', '.');
    await git('commit', '-q', '-m', 'contracts');
    const head = (await git('rev-parse', 'HEAD')).stdout.trim();
    await removePlatformCost(c); // not committed

    const { stdout, stderr } = await run(process.execPath, [releaseCli, '1.0.0', '--root', c.root]);
    expect(stdout).toContain(`released 1.0.0 into contracts/released/ (4 files, commit ${head.slice(0, 12)})`);
    expect(stderr).toContain('uncommitted changes are not part of the release');
    const manifest = await readManifest(join(c.root, 'contracts/released'));
    expect(manifest).toMatchObject({ commit: head, fromWorkingTree: false });
    expect(await readFile(join(c.root, 'contracts/released/openapi/platform-service.yaml'), 'utf8')).toContain('required: [id, name, publisher, cost]');
  });

  it('prints-usage-and-exits-1-on-bad-arguments', async () => {
    const failure = await run(process.execPath, [releaseCli]).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('usage: npm run contracts:release -- <MAJOR.MINOR.PATCH>');
  });
});
