/**
 * `node tools/contracts/drift.ts`: proves that what the services compile against (gen/) is what
 * the contracts generate now. Regenerates everything into a temporary folder with the real
 * generator (`GEN_DIR=<tmp> node tools/generate/index.ts`), compares it with gen/ byte for byte,
 * then typechecks the whole project from scratch (`tsc -p .`, no incremental state).
 *
 * Usage: node tools/contracts/drift.ts [--root DIR] [--skip-typecheck]
 * Exit status: 0 no drift and the project typechecks, 1 otherwise.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DriftOptions {
  /** Repository root. */
  readonly root: string;
  /** The generated code the services compile against. Default: `<root>/gen`. */
  readonly genDir?: string;
  /** The runtime's own generated code. Default: `<root>/runtime/src/generated`. */
  readonly runtimeGeneratedDir?: string;
}

/** Differences between two folders, by path relative to them; empty when they are byte-identical. */
export async function compareTrees(expectedDir: string, actualDir: string, label = relative(process.cwd(), actualDir) || actualDir): Promise<string[]> {
  const expected = await listFiles(expectedDir);
  const actual = await listFiles(actualDir);
  const differences: string[] = [];
  for (const file of expected) {
    if (!actual.includes(file)) differences.push(`${label}/${file} is missing (the contracts generate it)`);
    else if (!(await readFile(join(expectedDir, file))).equals(await readFile(join(actualDir, file)))) {
      differences.push(`${label}/${file} differs from what the contracts generate`);
    }
  }
  for (const file of actual) {
    if (!expected.includes(file)) differences.push(`${label}/${file} is stale (the contracts no longer generate it)`);
  }
  return differences;
}

/** Regenerates into a temporary folder and compares with gen/; resolves with the differences. */
export async function findDrift(options: DriftOptions): Promise<string[]> {
  const genDir = options.genDir ?? join(options.root, 'gen');
  const staging = await mkdtemp(join(tmpdir(), 'gen-drift-'));
  try {
    const fresh = join(staging, 'gen');
    await runNode([join(options.root, 'tools/generate/index.ts')], options.root, { GEN_DIR: fresh });
    // Under GEN_DIR the runtime's own generated code lands in <GEN_DIR>/runtime; in place it is runtime/src/generated.
    const freshRuntime = join(staging, 'runtime-generated');
    await rename(join(fresh, 'runtime'), freshRuntime).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    const runtimeDir = options.runtimeGeneratedDir ?? join(options.root, 'runtime', 'src', 'generated');
    return [
      ...(await compareTrees(fresh, genDir, relative(options.root, genDir) || genDir)),
      ...(await compareTrees(freshRuntime, runtimeDir, relative(options.root, runtimeDir) || runtimeDir)),
    ];
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Typechecks the project with the repository's TypeScript; rejects with the compiler's output. */
export async function typecheck(root: string): Promise<void> {
  // The root's TypeScript (7, the project's compiler), not the TypeScript 5 the tools workspace nests.
  const manifest = createRequire(join(root, 'package.json')).resolve('typescript/package.json');
  const { bin } = JSON.parse(await readFile(manifest, 'utf8')) as { bin: { tsc: string } };
  const tsc = join(dirname(manifest), bin.tsc);
  await runNode([tsc, '-p', root, '--noEmit', '--incremental', 'false'], root);
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).replaceAll('\\', '/'))
    .toSorted();
}

function runNode(args: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    // The child inherits this environment (PATH, npm settings) plus the given variables.
    execFile(process.execPath, [...args], { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`cannot run node ${args.map((arg) => relative(cwd, arg) || arg).join(' ')}: ${`${stdout}\n${stderr}`.trim() || error.message}`, { cause: error }));
      else resolvePromise(stdout);
    });
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const rootFlag = argv.indexOf('--root');
  const root = rootFlag >= 0 ? resolve(argv[rootFlag + 1] ?? '') : resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const started = performance.now();
  const differences = await findDrift({ root });
  if (differences.length > 0) {
    console.error(`drift: gen/ is not what the contracts generate now (${differences.length} file(s)):`);
    for (const difference of differences) console.error(`  ${difference}`);
    console.error('Run `npm run generate` (gen/ is never edited by hand), then typecheck and test again.');
    return 1;
  }
  console.log(`drift: gen/ equals a fresh generation from the contracts (${Math.round(performance.now() - started)} ms)`);
  if (argv.includes('--skip-typecheck')) return 0;
  const typechecked = performance.now();
  await typecheck(root);
  console.log(`drift: the project typechecks from scratch against it (${Math.round(performance.now() - typechecked)} ms)`);
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`drift: ${(error as Error).message}`);
    return 1;
  });
}
