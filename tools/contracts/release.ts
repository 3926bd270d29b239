/**
 * `npm run contracts:release -- <version> [--replace] [--worktree] [--root DIR]`: records the current contracts
 * as the released baseline in contracts/released/ (the only writer of that folder).
 *
 * - Releases the contracts of the commit at HEAD, and refuses while a contract file has uncommitted
 *   changes (they would silently stay out of the release); `--worktree` releases the working tree
 *   instead (no git, or on purpose).
 * - Raises `info.version` of every OpenAPI and AsyncAPI document it releases to the release version:
 *   the released copies carry it, and so do the documents in contracts/ (commit them with
 *   contracts/released/), which are then byte for byte what was released.
 * - Versions only go forward. A version with breaking changes since the baseline (as
 *   `contracts:check` sees them) must have a new major number.
 * - `--replace` re-cuts the current version (same number, no compatibility requirement): only for
 *   a release that never shipped, such as a baseline created before its first merge.
 * - `--root DIR` works on another checkout (default: this repository).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runBufOrThrow } from './buf.ts';
import { checkContracts } from './check.ts';
import { contractsLayout, listDocuments, listProtoFiles, releasedNames } from './layout.ts';
import { readManifest, sha256, type ReleaseManifest } from './release-manifest.ts';
import { withInfoVersion } from './info-version.ts';
import { formatReport } from './report.ts';
import { compareVersions, formatVersion, parseVersion } from './version.ts';

const run = promisify(execFile);

export interface ReleaseOptions {
  /**
   * Repository root: the baseline is written to `<root>/contracts/released`, and each document whose
   * `info.version` the release raised back to its place in `<root>/contracts`.
   */
  readonly root: string;
  /** Where the contracts to release are read from (buf.yaml and contracts/). Default: `root`. */
  readonly sourceRoot?: string;
  readonly version: string;
  /** Default: now. */
  readonly date?: Date;
  /** Recorded in release.json. Default: null. */
  readonly commit?: string | null;
  readonly fromWorkingTree?: boolean;
  /** Re-cut the current version instead of moving forward. Default: false. */
  readonly replace?: boolean;
}

export async function releaseContracts(options: ReleaseOptions): Promise<ReleaseManifest> {
  const target = contractsLayout(options.root);
  const source = contractsLayout(options.sourceRoot ?? options.root);
  const version = parseVersion(options.version);
  const previous = await readManifest(target.releasedDir);

  if (previous) {
    const order = compareVersions(version, parseVersion(previous.version));
    if (order < 0) throw new Error(`cannot release ${formatVersion(version)}: the baseline is already ${previous.version} and versions never go backwards`);
    if (order === 0 && !options.replace) {
      throw new Error(`cannot release ${formatVersion(version)}: it is already released (pass --replace to re-cut a release that never shipped)`);
    }
    if (order > 0 && options.replace) throw new Error(`cannot release ${formatVersion(version)}: --replace re-cuts the current version ${previous.version} only`);
    if (!options.replace) {
      // Compare what is being released with the baseline, with the sources in place of the working tree.
      const result = await checkContracts({ root: source.root, releasedDir: target.releasedDir });
      if (result.breaking > 0 && version.major <= parseVersion(previous.version).major) {
        throw new Error(
          `cannot release ${formatVersion(version)}: ${result.breaking} breaking change(s) since ${previous.version} need a new major version (${parseVersion(previous.version).major + 1}.0.0)\n\n${formatReport(result)}`,
        );
      }
    }
  }

  const staging = `${target.releasedDir}.staging-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  try {
    const sources: Record<string, string> = {};
    const files: Record<string, string> = {};
    const sourcePath = (path: string): string => relative(source.root, path).replaceAll('\\', '/');

    await mkdir(staging, { recursive: true });
    for (const file of await listProtoFiles(source.protoDir)) {
      sources[`${sourcePath(source.protoDir)}/${file}`] = sha256(await readFile(join(source.protoDir, file)));
    }
    await runBufOrThrow(['build', sourcePath(source.protoDir) || '.', '-o', join(staging, releasedNames.image)], source.root);
    files[releasedNames.image] = sha256(await readFile(join(staging, releasedNames.image)));

    /** Documents whose info.version the release raised, to write back into contracts/ once released. */
    const raised: { readonly path: string; readonly text: string }[] = [];
    for (const [kind, dir] of [['openapi', source.openapiDir], ['asyncapi', source.asyncapiDir]] as const) {
      const documents = await listDocuments(dir);
      if (documents.length === 0) throw new Error(`cannot release: no ${kind} document in ${dir}`);
      await mkdir(join(staging, releasedNames[kind]), { recursive: true });
      for (const file of documents) {
        const original = await readFile(join(dir, file), 'utf8');
        const text = withInfoVersion(original, formatVersion(version), sourcePath(join(dir, file)));
        if (text !== original) raised.push({ path: sourcePath(join(dir, file)), text });
        // The released copy is these bytes, and so is the source once raised: their hashes are equal.
        sources[sourcePath(join(dir, file))] = files[`${releasedNames[kind]}/${file}`] = sha256(text);
        await writeFile(join(staging, releasedNames[kind], file), text);
      }
    }

    const manifest: ReleaseManifest = {
      version: formatVersion(version),
      date: (options.date ?? new Date()).toISOString(),
      commit: options.commit ?? null,
      fromWorkingTree: options.fromWorkingTree ?? false,
      buf: (await runBufOrThrow(['--version'], source.root)).trim(),
      sources,
      files,
    };
    await writeFile(join(staging, releasedNames.version), `${manifest.version}\n`);
    await writeFile(join(staging, releasedNames.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
    // Swap in the complete baseline only once it is fully written.
    await rm(target.releasedDir, { recursive: true, force: true });
    await rename(staging, target.releasedDir);
    for (const { path, text } of raised) await writeFile(join(target.root, path), text);
    return manifest;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The paths a release reads, relative to the repository root. */
const releasedSources = ['buf.yaml', 'contracts/proto', 'contracts/openapi', 'contracts/asyncapi'];

async function git(root: string, args: readonly string[]): Promise<string> {
  const { stdout } = await run('git', [...args], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** Writes the released sources as committed at HEAD into a temporary folder; returns it and the commit. */
async function exportHead(root: string): Promise<{ dir: string; commit: string }> {
  const commit = (await git(root, ['rev-parse', 'HEAD'])).trim();
  const dir = await mkdtemp(join(tmpdir(), 'contracts-release-'));
  const paths = (await git(root, ['ls-tree', '-r', '--name-only', '-z', 'HEAD', '--', ...releasedSources])).split('\0').filter(Boolean);
  for (const path of paths) {
    const { stdout } = await run('git', ['show', `HEAD:${path}`], { cwd: root, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), stdout);
  }
  return { dir, commit };
}

async function main(argv: readonly string[]): Promise<void> {
  const args = [...argv];
  const rootFlag = args.indexOf('--root');
  const root = rootFlag >= 0 ? resolve(args.splice(rootFlag, 2)[1] ?? '') : resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const flags = new Set(args.filter((arg) => arg.startsWith('--')));
  const unknown = [...flags].filter((flag) => flag !== '--replace' && flag !== '--worktree');
  const positional = args.filter((arg) => !arg.startsWith('--'));
  if (unknown.length > 0 || positional.length !== 1) {
    throw new Error('usage: npm run contracts:release -- <MAJOR.MINOR.PATCH> [--replace] [--worktree] [--root DIR]');
  }
  const inGit = await git(root, ['rev-parse', '--verify', '-q', 'HEAD']).then(() => true, () => false);
  const fromWorkingTree = flags.has('--worktree') || !inGit;
  let sourceRoot = root;
  let commit: string | null = null;
  if (fromWorkingTree) {
    if (inGit) commit = (await git(root, ['rev-parse', 'HEAD'])).trim();
  } else {
    const dirty = (await git(root, ['status', '--porcelain', '--', ...releasedSources])).trimEnd();
    if (dirty) {
      throw new Error(
        `cannot release HEAD: these contract files have uncommitted changes, which would not be part of the release:\n${dirty}\nCommit them first, or pass --worktree to release the working tree as it is.`,
      );
    }
    const head = await exportHead(root);
    sourceRoot = head.dir;
    commit = head.commit;
  }
  try {
    const manifest = await releaseContracts({ root, sourceRoot, version: positional[0] ?? '', commit, fromWorkingTree, replace: flags.has('--replace') });
    console.log(`contracts:release: released ${manifest.version} into ${relative(root, contractsLayout(root).releasedDir)}/ (${Object.keys(manifest.files).length} files, commit ${commit?.slice(0, 12) ?? 'none'}${fromWorkingTree ? ', working tree' : ''}).`);
    console.log(`Commit contracts/ (released/ and info.version ${manifest.version} in the documents) with the contract change it releases.`);
  } finally {
    if (sourceRoot !== root) await rm(sourceRoot, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`contracts:release: ${(error as Error).message}`);
    process.exitCode = 1;
  });
}
