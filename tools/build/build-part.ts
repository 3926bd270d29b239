/**
 * `npm run build -w <part>` (or `node tools/build/build-part.ts <part>...`, `--all` for every
 * workspace with a `src/main.ts`, as `npm run build:parts` and the image's build stage do): the part's `src/main.ts`
 * compiled ahead of time into `<part>/dist/main.js`, one ESM file plus a chunk per dynamic import
 * (database drivers, the tracing SDK: loaded only when configured). Production runs it
 * (`npm run start -w <part>` with NODE_ENV=production, the Dockerfile, the bench): Node then
 * loads one file instead of about 1,300 modules and never starts its TypeScript type stripper,
 * which saves tens of MB of idle RSS (issue 18).
 */
import { readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Metafile } from 'esbuild';

/** Repository root (this file is <root>/tools/build/build-part.ts). */
const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Folder of a part's build below the part: `<part>/dist` (one level down, like `src/`, so relative URLs hold). */
export const distFolder = 'dist';

/** The built entry of a part, relative to the part's folder. */
export const builtEntry = `${distFolder}/main.js`;

/**
 * Node flags a part runs with in production (the Dockerfile's CMD, compose.yaml, `npm run start`,
 * the bench): V8's young generation starts at 4 MB a semi-space and may grow to 16 MB under load.
 * `--min-semi-space-size=4` keeps it at 4 MB after the memory-reducing collection that ends the
 * start (runtime lifecycle settle-memory.ts), which would otherwise leave it at 1 MB, growing only
 * to 2 MB under a GET load and costing request CPU. `--max-semi-space-size=16`, V8's own cap on
 * this machine, lets a loaded part scavenge less often: once the REST fast path made a GET by id
 * cost about 55 µs, a 4 MB cap (the third round's, for idle RSS) cost it about 5 % (CPU ratio
 * against bare Express 0.759 vs 0.798, `npm run bench -- --only=rest-get-by-id --rounds=3`,
 * back to back on a quiet machine), while the settling collection keeps an idle part small either
 * way (idle RSS 96.2 / 92.5 / 94.2 MB with it).
 */
export const productionNodeFlags = ['--min-semi-space-size=4', '--max-semi-space-size=16'] as const;

/**
 * Environment a part runs with in production (the Dockerfile's ENV, which compose.yaml's
 * services inherit; the parts' `start` scripts; the bench). `MALLOC_ARENA_MAX=2`: glibc otherwise
 * gives each thread that allocates (V8's compiler and GC helpers, libuv's pool) an arena of its
 * own, whose freed pages stay resident. Idle RSS measured in one run (tools: bench/harness/parts.ts):
 * gateway 111.4 -> 106.5 MB, commands-service 108.8 -> 105.9 MB, platform-service unchanged
 * (105.1 / 105.5); with 1 arena 102.6 / 101.3 / 104.0 MB, but one lock for every thread.
 */
export const productionEnvironment: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/**
 * Packages left to Node's own resolution at run time instead of bundled: the database drivers
 * MikroORM loads by name, and packages that read their own files next to their code.
 */
const external = [
  // Database clients: loaded only by the configured driver's chunk, from node_modules.
  'pg',
  'pg-*',
  'tedious',
  'mssql',
  'better-sqlite3',
  'sqlite3',
  'mysql',
  'mysql2',
  'oracledb',
  'libsql',
  '@libsql/*',
  'pg-query-stream',
  // Serves its own files (swagger-ui-dist/*.js) by path.
  'swagger-ui-dist',
  // CommonJS loaded by a dynamic import (with the first broker connection): esbuild's split chunk
  // of a CommonJS module exports only `default`, so Node's own loader must give its named exports.
  'amqplib',
];

// Bundled CommonJS packages call `require` (of Node built-ins); ESM has none unless given one.
const requireShim = "import { createRequire as __platformCreateRequire } from 'node:module'; const require = __platformCreateRequire(import.meta.url);";

/** A build's entry file (absolute path) and what esbuild put where (paths relative to the repository root). */
export interface Built {
  readonly entry: string;
  readonly metafile: Metafile;
}

/**
 * Builds `<partDir>/src/main.ts` into `<partDir>/<folder>/` (default `dist`). Another folder name (one level below the part, like `src/`) lets a benchmark or a
 * test build beside a running part without replacing its files.
 */
export async function buildPart(partDir: string, folder = distFolder): Promise<Built> {
  const dir = resolve(repositoryRoot, partDir);
  return buildEntry(join(dir, 'src/main.ts'), join(dir, folder));
}

/**
 * Compiles `entry` (a TypeScript module) with everything it imports into `outdir/main.js` (the
 * folder emptied first) plus its chunks. Relative URLs in the
 * sources (`new URL('../migrations', import.meta.url)`) resolve from `outdir`.
 */
export async function buildEntry(entry: string, outdir: string, options: { readonly dependencies?: 'bundled' | 'external' } = {}): Promise<Built> {
  await rm(outdir, { recursive: true, force: true });
  const { metafile } = await build({
    absWorkingDir: repositoryRoot,
    metafile: true,
    entryPoints: { main: entry },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    external,
    // `external`: every package stays in node_modules and loads as `node app.js` would load it (the bench's baselines).
    ...(options.dependencies === 'external' ? { packages: 'external' as const } : {}),
    banner: { js: requireShim },
    // Stack traces name the sources with node --enable-source-maps; nothing is loaded unless asked for.
    sourcemap: 'linked',
    // MikroORM names entities and extensions by their class names; bundling must not rename them.
    keepNames: true,
    // BUILD_MINIFY=0 keeps the source's names and lines, for CPU profiles (`npm run bench -- --profile`).
    minify: process.env.BUILD_MINIFY !== '0',
    legalComments: 'none',
    logLevel: 'warning',
  });
  return { entry: join(outdir, 'main.js'), metafile };
}

/** The workspaces that are parts (they have a `src/main.ts`), relative to the repository root. */
export async function partFolders(): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(repositoryRoot, 'package.json'), 'utf8')) as { workspaces?: string[] };
  const parts = await Promise.all((manifest.workspaces ?? []).map(async (workspace) => ((await stat(join(repositoryRoot, workspace, 'src', 'main.ts')).catch(() => undefined)) ? workspace : undefined)));
  return parts.filter((part) => part !== undefined);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  // With no argument (`npm run build -w <part>`), the part npm runs the script in.
  const parts = args.includes('--all') ? await partFolders() : args.length > 0 ? args : [process.cwd()];
  for (const part of parts) process.stdout.write(`built ${(await buildPart(part)).entry}\n`);
}
