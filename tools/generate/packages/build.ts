/**
 * Builds one client package into gen/packages/<folder>/: its modules compiled by the repository's
 * TypeScript 7 into ESM JavaScript with `.d.ts` types (dist/), its shipped files, a package.json
 * with exports, engines and dependencies, and its README. `npm pack` of the folder gives the
 * tarball a consumer installs.
 *
 * The modules are compiled in a staging folder outside the repository whose node_modules links to
 * the repository's, so the compiler resolves the dependencies but nothing else of the workspace;
 * the emitted files are then checked to import only the declared dependencies.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { PackageSpec } from './spec.ts';
import { packageVersion } from './version.ts';

const run = promisify(execFile);

/** What the packages run on (their code is ES2022 and uses only globals Node 20 has: fetch, URL, TextEncoder, crypto.randomUUID, Buffer). */
export const packageEngines = { node: '>=20' } as const;

/** The compiler settings of every package: ES2022 modules for Node 20+ and bundlers, declarations beside; `types` per package. */
const compilerOptions = {
  target: 'es2022',
  lib: ['es2022', 'dom'],
  module: 'nodenext',
  moduleResolution: 'nodenext',
  declaration: true,
  rootDir: 'src',
  outDir: 'dist',
  strict: true,
  skipLibCheck: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  noEmitOnError: true,
  newLine: 'lf',
};

export async function buildPackage(root: string, genDir: string, spec: PackageSpec, outDir: string): Promise<void> {
  const fail = (why: string): never => {
    throw new Error(`cannot build package ${spec.name}: ${why}`);
  };
  if (spec.entryPoints['.'] === undefined) fail('it has no "." entry point');
  const version = await packageVersion(root, spec.contracts);
  const ranges = async (names: readonly string[]) => Object.fromEntries(await Promise.all(names.map(async (name) => [name, `^${await installedVersion(root, name)}`] as const)));
  const dependencies = await ranges(spec.dependencies);
  const peers = await ranges(spec.optionalPeerDependencies ?? []);
  const importable = [...spec.dependencies, ...Object.keys(peers)];

  const staging = await mkdtemp(join(tmpdir(), 'contract-package-'));
  try {
    for (const [path, module] of Object.entries(spec.modules)) {
      const text = 'gen' in module ? await readFile(join(genDir, module.gen), 'utf8').catch(() => fail(`${module.gen} is not in ${genDir}`)) : module.text;
      await mkdir(dirname(join(staging, 'src', path)), { recursive: true });
      await writeFile(join(staging, 'src', path), withJsSpecifiers(text));
    }
    await writeFile(join(staging, 'package.json'), JSON.stringify({ type: 'module' }));
    await writeFile(join(staging, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...compilerOptions, types: spec.types ?? [] }, include: ['src'] }));
    await symlink(join(root, 'node_modules'), join(staging, 'node_modules'), 'dir');
    await compile(root, staging).catch((error: Error) => fail(error.message));
    const problems = await undeclaredImports(join(staging, 'dist'), importable);
    if (problems.length > 0) fail(`${problems.join('; ')}. A package module must be runtime-free: it may import only its own modules and its dependencies (${importable.join(', ') || 'none'})`);
    const entries: Record<string, Record<string, unknown>> = {};
    for (const [subpath, module] of Object.entries(spec.entryPoints)) entries[subpath] = (await import(pathToFileURL(join(staging, 'dist', jsOf(module))).href)) as Record<string, unknown>;

    await rm(outDir, { recursive: true, force: true });
    await mkdir(outDir, { recursive: true });
    await cp(join(staging, 'dist'), join(outDir, 'dist'), { recursive: true });
    for (const [path, source] of Object.entries(spec.files)) {
      await mkdir(dirname(join(outDir, path)), { recursive: true });
      await cp(join(root, source), join(outDir, path));
    }
    await writeFile(join(outDir, 'package.json'), `${JSON.stringify(manifest(spec, version, dependencies, peers), null, 2)}\n`);
    await writeFile(join(outDir, 'README.md'), spec.readme({ version, entry: entries['.']!, entries }));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The package.json of a package; `peers` are its optional peer dependencies. */
export function manifest(spec: PackageSpec, version: string, dependencies: Readonly<Record<string, string>>, peers: Readonly<Record<string, string>> = {}): Record<string, unknown> {
  const exports: Record<string, unknown> = {};
  for (const [subpath, module] of Object.entries(spec.entryPoints)) exports[subpath] = { types: `./dist/${dtsOf(module)}`, default: `./dist/${jsOf(module)}` };
  for (const path of Object.keys(spec.files)) exports[`./${path}`] = `./${path}`;
  exports['./package.json'] = './package.json';
  const main = spec.entryPoints['.']!;
  return {
    name: spec.name,
    version,
    description: spec.description,
    keywords: spec.keywords,
    ...(spec.license === undefined ? {} : { license: spec.license }),
    type: 'module',
    sideEffects: false,
    engines: packageEngines,
    exports,
    // For tools that do not read `exports`.
    main: `./dist/${jsOf(main)}`,
    types: `./dist/${dtsOf(main)}`,
    files: ['dist', ...new Set(Object.keys(spec.files).map((path) => path.split('/')[0]!))].toSorted(),
    dependencies,
    ...(Object.keys(peers).length === 0
      ? {}
      : { peerDependencies: peers, peerDependenciesMeta: Object.fromEntries(Object.keys(peers).map((name) => [name, { optional: true }])) }),
  };
}

/** Relative `.ts` specifiers (as gen/ writes them for Node's type stripping) as the `.js` files they compile to. */
export function withJsSpecifiers(text: string): string {
  return text.replace(/(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.\.?\/[^'"\n]*?)\.ts\2/g, '$1$2$3.js$2');
}

const jsOf = (module: string): string => module.replace(/\.ts$/, '.js');
const dtsOf = (module: string): string => module.replace(/\.ts$/, '.d.ts');

async function installedVersion(root: string, name: string): Promise<string> {
  const text = await readFile(join(root, 'node_modules', name, 'package.json'), 'utf8').catch(() => {
    throw new Error(`cannot build a package depending on ${name}: it is not installed in ${join(root, 'node_modules')} (add it to the root or tools dependencies)`);
  });
  return (JSON.parse(text) as { version: string }).version;
}

async function compile(root: string, project: string): Promise<void> {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  await run(process.execPath, [tsc, '-p', project, '--pretty', 'false'], { cwd: project }).catch((error: { stdout?: string; message: string }) => {
    throw new Error(`tsc failed:\n${error.stdout?.trim() || error.message}`);
  });
}

/** Every import of the emitted files (JavaScript and declarations) that is neither relative and present, nor a declared dependency. */
async function undeclaredImports(distDir: string, dependencies: readonly string[]): Promise<string[]> {
  const files = (await readdir(distDir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => relative(distDir, join(entry.parentPath, entry.name)).replaceAll('\\', '/'));
  const present = new Set(files);
  const problems: string[] = [];
  for (const file of files.filter((name) => /\.(js|d\.ts)$/.test(name))) {
    const text = await readFile(join(distDir, file), 'utf8');
    for (const [, , specifier] of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"\n]+)\1/g)) {
      if (specifier!.startsWith('.')) {
        const target = posix.normalize(posix.join(posix.dirname(file), specifier!));
        const candidates = file.endsWith('.d.ts') ? [target, target.replace(/\.js$/, '.d.ts')] : [target];
        if (!candidates.some((candidate) => present.has(candidate))) problems.push(`${file} imports "${specifier}", which is not part of the package`);
        continue;
      }
      const name = specifier!.startsWith('@') ? specifier!.split('/').slice(0, 2).join('/') : specifier!.split('/')[0]!;
      if (!dependencies.includes(name)) problems.push(`${file} imports "${specifier}", which is not among its dependencies`);
    }
  }
  return problems;
}
