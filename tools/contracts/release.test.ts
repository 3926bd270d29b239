import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
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

/** The copy as a git repository with everything committed; resolves with the commit. */
async function committed(c: ContractsCopy): Promise<string> {
  await git(c, 'init', '-q');
  await git(c, 'add', '.');
  await git(c, 'commit', '-q', '-m', 'contracts');
  return (await git(c, 'rev-parse', 'HEAD')).stdout.trim();
}

function git(c: ContractsCopy, ...args: string[]): Promise<{ stdout: string }> {
  return run('git', ['-c', 'user.email=gate@test', '-c', 'user.name=gate', ...args], { cwd: c.root });
}

function release(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [releaseCli, ...args]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

describe('the command line', () => {
  it('releases-what-is-committed-at-head-and-raises-info-version-in-the-documents', async () => {
    const c = await fresh();
    const head = await committed(c);
    const before = await readFile(join(c.root, 'contracts/openapi/platform-service.yaml'), 'utf8');

    const { code, stdout } = await release('1.2.0', '--root', c.root);
    expect(code).toBe(0);
    expect(stdout).toContain(`released 1.2.0 into contracts/released/ (4 files, commit ${head.slice(0, 12)})`);
    const manifest = await readManifest(join(c.root, 'contracts/released'));
    expect(manifest).toMatchObject({ version: '1.2.0', commit: head, fromWorkingTree: false });
    for (const file of ['openapi/platform-service.yaml', 'openapi/commands-service.yaml', 'asyncapi/platform-events.yaml']) {
      const released = await readFile(join(c.root, 'contracts/released', file), 'utf8');
      expect((parse(released) as { info: { version: string } }).info.version).toBe('1.2.0');
      // The working document now says the same, byte for byte, and its recorded hash is the released one.
      expect(await readFile(join(c.root, 'contracts', file), 'utf8')).toBe(released);
      expect(manifest?.sources[`contracts/${file}`]).toBe(manifest?.files[file]);
    }
    // Nothing but the version line changed.
    expect(await readFile(join(c.root, 'contracts/openapi/platform-service.yaml'), 'utf8')).toBe(before.replace(/^  version: \d+\.\d+\.\d+$/m, '  version: 1.2.0'));
  });

  it('refuses-uncommitted-contract-changes-and-releases-nothing', async () => {
    const c = await fresh();
    await committed(c);
    await removePlatformCost(c); // not committed
    await writeFile(join(c.root, 'contracts/openapi/new-service.yaml'), 'openapi: 3.1.0\n'); // not even added

    const { code, stderr } = await release('1.0.0', '--root', c.root);
    expect(code).toBe(1);
    expect(stderr).toContain('contracts:release: cannot release HEAD: these contract files have uncommitted changes, which would not be part of the release:');
    expect(stderr).toContain(' M contracts/openapi/platform-service.yaml');
    expect(stderr).toContain('?? contracts/openapi/new-service.yaml');
    expect(stderr).toContain('Commit them first, or pass --worktree to release the working tree as it is.');
    await expect(readdir(join(c.root, 'contracts/released'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('releases-the-working-tree-when-asked-explicitly', async () => {
    const c = await fresh();
    const head = await committed(c);
    await removePlatformCost(c); // not committed

    const { code, stdout } = await release('1.0.0', '--worktree', '--root', c.root);
    expect(code).toBe(0);
    expect(stdout).toContain(`commit ${head.slice(0, 12)}, working tree)`);
    expect(await readManifest(join(c.root, 'contracts/released'))).toMatchObject({ commit: head, fromWorkingTree: true });
    const released = parse(await readFile(join(c.root, 'contracts/released/openapi/platform-service.yaml'), 'utf8')) as Json;
    expect(at(released, 'components', 'schemas', 'Platform', 'required')).toEqual(['id', 'name', 'publisher']);
  });

  it('prints-usage-and-exits-1-on-bad-arguments', async () => {
    const failure = await release();
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain('usage: npm run contracts:release -- <MAJOR.MINOR.PATCH>');
  });
});
